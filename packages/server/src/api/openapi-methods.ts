/**
 * @module api/openapi-methods
 * What each server API method takes and answers, as JSON Schema, with an example: the source
 * of the OpenAPI document (api/openapi) and of the method reference in docs/api.md.
 */

/** A JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12). */
export type Schema = Record<string, unknown>;

export interface MethodDoc {
  summary: string;
  /** Markdown; what the method does beyond its summary. */
  description: string;
  /** The params object: its fields (each with a description) and which are required. */
  params: { properties: Record<string, Schema>; required?: string[]; oneOf?: Schema[] };
  result: Schema;
  /** A call and an answer it may get (`result` as a fresh node would answer, ids aside). */
  example: { params: Record<string, unknown>; result: unknown };
  /** Acts on every node of the cluster. */
  cluster?: true;
}

const string = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const integer = (description: string, extra: Schema = {}): Schema => ({ type: 'integer', description, ...extra });
const boolean = (description: string): Schema => ({ type: 'boolean', description });
const object = (properties: Record<string, Schema>, required: string[] = [], description?: string): Schema => ({
  type: 'object',
  ...(description && { description }),
  properties,
  ...(required.length > 0 && { required }),
  additionalProperties: false,
});
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const channel = string('The channel, e.g. `chat:lobby`; its namespace (before the first `:`) must be configured.');
const data = { description: 'Any JSON value (nested at most maxDataDepth levels; no `__proto__` key).' };
const user = string('A user id: every connection of that user, on every node.', { minLength: 1 });
const client = string('A client id: that one connection, wherever it is.', { minLength: 1 });
const userOrClient: Schema[] = [{ required: ['user'] }, { required: ['client'] }];

const publishOptions: Record<string, Schema> = {
  event: string('An event name inside the channel (e.g. `typing`), delivered with the publication.'),
  idempotencyKey: string(
    'A retry with the same key on the same channel within idempotencyTtlMs is not delivered again and answers the first result.',
  ),
  excludeClient: string('A client id that must not receive the publication.'),
  ephemeral: boolean('Deliver live only: not kept in history, no offset, never recovered. Cannot carry an idempotencyKey.'),
};

const counted = (field: string, description: string): Schema => object({ [field]: integer(description) }, [field]);

export const METHOD_DOCS: Readonly<Record<string, MethodDoc>> = {
  publish: {
    summary: 'Publish data to a channel',
    description:
      'Delivers to every subscriber of the channel on every node, without hooks or namespace permissions. On a namespace with history the publication is kept and the result carries its offset and epoch.',
    params: { properties: { channel, data, ...publishOptions }, required: ['channel', 'data'] },
    result: object({ offset: integer('The publication’s offset (namespaces with history).'), epoch: string('The stream’s epoch.') }),
    example: { params: { channel: 'chat:lobby', data: { text: 'hello' } }, result: { offset: 1, epoch: 'Jm4gJ0Qo' } },
  },
  broadcast: {
    summary: 'Publish the same data to several channels',
    description: 'Each channel is published to on its own: `responses` holds one result or error per channel, in the order given.',
    params: {
      properties: {
        channels: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 1000, description: 'Up to 1000 channels.' },
        data,
        ...publishOptions,
      },
      required: ['channels', 'data'],
    },
    result: object({ responses: { type: 'array', items: ref('ItemReply') } }, ['responses']),
    example: {
      params: { channels: ['chat:lobby', 'news'], data: { text: 'maintenance at 18:00' } },
      result: { responses: [{ result: { offset: 2, epoch: 'Jm4gJ0Qo' } }, { result: {} }] },
    },
  },
  send_user: {
    summary: 'Send a message to every connection of a user',
    description: 'A `message` push (the SDK’s `message` event) to each connection of the user, on every node. Not kept, not recovered.',
    params: { properties: { user, data }, required: ['user', 'data'] },
    result: counted('delivered', 'Connections written to, over all nodes.'),
    example: { params: { user: '42', data: { alert: 'your export is ready' } }, result: { delivered: 0 } },
    cluster: true,
  },
  send_all: {
    summary: 'Send a message to every connection',
    description: 'A `message` push to every connected client of every node.',
    params: { properties: { data }, required: ['data'] },
    result: counted('delivered', 'Connections written to, over all nodes.'),
    example: { params: { data: { notice: 'new version, please reload' } }, result: { delivered: 0 } },
    cluster: true,
  },
  subscribe: {
    summary: 'Subscribe connections to a channel (server-side subscription)',
    description:
      'Subscribes every connection of `user` (or the connection `client`) on every node, without hooks or permissions; each gets a `subscribe` push with `data` and then the channel’s publications. Connections that already hold the channel are left alone.',
    params: {
      properties: { user, client, channel, data: { description: 'Sent in the `subscribe` push; any JSON value.' } },
      required: ['channel'],
      oneOf: userOrClient,
    },
    result: counted('subscribed', 'Connections newly subscribed.'),
    example: { params: { user: '42', channel: 'chat:support-42' }, result: { subscribed: 0 } },
    cluster: true,
  },
  unsubscribe: {
    summary: 'End subscriptions to a channel',
    description: 'Each connection gets an `unsubscribe` push with code 2000.',
    params: { properties: { user, client, channel }, required: ['channel'], oneOf: userOrClient },
    result: counted('unsubscribed', 'Subscriptions ended.'),
    example: { params: { user: '42', channel: 'chat:support-42' }, result: { unsubscribed: 0 } },
    cluster: true,
  },
  disconnect: {
    summary: 'Close connections',
    description:
      'Closes every connection of `user` (or the connection `client`) on every node with `code` and `reason`. Codes 3500–3999 and 4500–4999 tell the client not to reconnect; 3000–3499 and 4000–4499 let it reconnect.',
    params: {
      properties: {
        user,
        client,
        code: integer('The close code; 3503 (force disconnect, no reconnect) when not given.', { minimum: 3000, maximum: 4999 }),
        reason: string('The close reason, at most 123 bytes of UTF-8.'),
      },
      oneOf: userOrClient,
    },
    result: counted('disconnected', 'Connections closed.'),
    example: { params: { user: '42', code: 4501, reason: 'banned' }, result: { disconnected: 0 } },
    cluster: true,
  },
  refresh: {
    summary: 'Set when a user’s connections expire',
    description:
      'Moves the deadline of every connection of `user`, on every node, as a `refresh` with a new token would: at `expireAt` a connection not refreshed by then is closed with 3005 (the SDK then reconnects with a new token), or, when the node has onRefresh hooks or a refresh proxy, those are asked for a new deadline. A time already past ends the deadline at once.',
    params: {
      properties: { user, expireAt: { type: 'number', exclusiveMinimum: 0, description: 'Seconds since the epoch, as a JWT’s `exp`.' } },
      required: ['user', 'expireAt'],
    },
    result: counted('refreshed', 'Connections whose deadline moved.'),
    example: { params: { user: '42', expireAt: 4102444800 }, result: { refreshed: 0 } },
    cluster: true,
  },
  presence: {
    summary: 'Who is in a channel',
    description: 'Every client subscribed to the channel, on every node, by client id (namespaces with `presence: true`, else 108).',
    params: { properties: { channel }, required: ['channel'] },
    result: object({ presence: { type: 'object', additionalProperties: ref('ClientInfo') } }, ['presence']),
    example: { params: { channel: 'chat:lobby' }, result: { presence: {} } },
  },
  presence_stats: {
    summary: 'How many are in a channel',
    description: 'Clients and distinct users subscribed to the channel (namespaces with `presence: true`, else 108).',
    params: { properties: { channel }, required: ['channel'] },
    result: object({ clients: integer('Connections.'), users: integer('Distinct user ids.') }, ['clients', 'users']),
    example: { params: { channel: 'chat:lobby' }, result: { clients: 0, users: 0 } },
  },
  history: {
    summary: 'Read a channel’s kept publications',
    description:
      'The publications kept for the channel (namespaces with history, else 108), oldest first unless `reverse`, and the stream position. With `since`, only those after it; when `since.epoch` is not the stream’s, none (compare `position.epoch`).',
    params: {
      properties: {
        channel,
        since: { ...ref('StreamPosition'), description: 'Only publications after this position.' },
        limit: integer('At most this many; 0 answers only the position.', { minimum: 0 }),
        reverse: boolean('Newest first.'),
      },
      required: ['channel'],
    },
    result: object({ publications: { type: 'array', items: ref('Publication') }, position: ref('StreamPosition') }, [
      'publications',
      'position',
    ]),
    example: {
      params: { channel: 'chat:lobby', limit: 10, reverse: true },
      result: { publications: [{ data: { text: 'hello' }, offset: 1, epoch: 'Jm4gJ0Qo' }], position: { offset: 1, epoch: 'Jm4gJ0Qo' } },
    },
  },
  history_remove: {
    summary: 'Drop a channel’s kept publications',
    description: 'The offset and epoch stay, so clients recovering from before get `recovered: false`, not a silent gap.',
    params: { properties: { channel }, required: ['channel'] },
    result: object({}),
    example: { params: { channel: 'chat:lobby' }, result: {} },
  },
  channels: {
    summary: 'Active channels and their subscribers',
    description: 'Every channel with at least one subscriber on some node, with the number of subscribers over all nodes.',
    params: { properties: { pattern: string('Only channels matching it; `*` stands for any run of characters, e.g. `chat:*`.') } },
    result: object(
      { channels: { type: 'object', additionalProperties: object({ subscribers: integer('Subscribed connections.') }, ['subscribers']) } },
      ['channels'],
    ),
    example: { params: { pattern: 'chat:*' }, result: { channels: { 'chat:lobby': { subscribers: 3 } } } },
    cluster: true,
  },
  info: {
    summary: 'The nodes of the cluster',
    description:
      'Each node alive, this one first, as of its last heartbeat: id, version, connections, subscriptions, start time and uptime.',
    params: { properties: {} },
    result: object({ nodes: { type: 'array', items: ref('NodeInfo') } }, ['nodes']),
    example: {
      params: {},
      result: {
        nodes: [{ id: 'node-a', startedAt: 1767225600000, uptimeMs: 3600000, version: '0.1.0', connections: 12, subscriptions: 30 }],
      },
    },
  },
  batch: {
    summary: 'Several calls in one request',
    description:
      'Runs each command in order, each on its own: `replies` holds one result or error per command. A failed command does not stop the others; `batch` cannot be nested.',
    params: {
      properties: {
        commands: {
          type: 'array',
          minItems: 1,
          maxItems: 1000,
          items: object({ method: string('A method name, e.g. `publish`.'), params: { type: 'object', description: 'Its params.' } }, [
            'method',
          ]),
          description: 'Up to 1000 commands.',
        },
      },
      required: ['commands'],
    },
    result: object({ replies: { type: 'array', items: ref('ItemReply') } }, ['replies']),
    example: {
      params: {
        commands: [
          { method: 'publish', params: { channel: 'chat:lobby', data: 1 } },
          { method: 'publish', params: { channel: 'chat:lobby' } },
        ],
      },
      result: {
        replies: [
          { result: { offset: 2, epoch: 'Jm4gJ0Qo' } },
          { error: { code: 107, message: 'field data is required', temporary: false } },
        ],
      },
    },
  },
};

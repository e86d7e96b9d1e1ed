/**
 * @module api/methods
 * The methods of the server API, one function each: it reads and checks its params (107 naming
 * the field), acts through the node's server API or the cluster, and resolves with the result.
 * `createApiMethods` builds the table the HTTP handler dispatches on; the cluster-wide ones
 * are in api/cluster-methods.
 */
import { ERROR_CODES, type PublishResult, type StreamPosition } from '@relais/protocol';
import type { HistoryQuery, Publication } from '../broker.js';
import type { ServerPublishOptions } from '../server-api.js';
import { clusterMethods } from './cluster-methods.js';
import { rulesOf, type ApiContext, type ApiMethod, type ApiMethods } from './context.js';
import { ApiError, badRequest, toApiError, type ApiErrorShape } from './errors.js';
import {
  arrayField,
  channelField,
  dataField,
  optionalBoolean,
  optionalInteger,
  optionalString,
  paramsOf,
  requiredString,
  typeName,
  type Params,
} from './fields.js';

/** The answer to one channel of `broadcast` or one command of `batch`. */
export type ItemReply = { result: unknown } | { error: ApiErrorShape };

/** Most channels in one `broadcast`, most commands in one `batch`. */
export const MAX_BROADCAST_CHANNELS = 1_000;
export const MAX_BATCH_COMMANDS = 1_000;

const PUBLISH_OPTIONS = ['event', 'idempotencyKey', 'excludeClient', 'ephemeral'] as const;

function publishOptions(params: Params): ServerPublishOptions {
  const options: ServerPublishOptions = {};
  for (const field of ['event', 'idempotencyKey', 'excludeClient'] as const) {
    const value = optionalString(params, field);
    if (value !== undefined) options[field] = value;
  }
  const ephemeral = optionalBoolean(params, 'ephemeral');
  if (ephemeral !== undefined) options.ephemeral = ephemeral;
  if (options.ephemeral && options.idempotencyKey !== undefined) throw badRequest('an ephemeral publish cannot carry an idempotencyKey');
  return options;
}

async function publishTo(ctx: ApiContext, channel: string, data: unknown, options: ServerPublishOptions): Promise<PublishResult> {
  rulesOf(ctx, channel);
  return ctx.node.publish(channel, data, options);
}

/** Runs `call`, turning its failure into an item's error (bad input and engine errors alike). */
async function itemReply(ctx: ApiContext, call: () => Promise<unknown>): Promise<ItemReply> {
  try {
    return { result: await call() };
  } catch (error) {
    const shape = toApiError(error).error.toJSON();
    ctx.itemError?.(shape.code);
    return { error: shape };
  }
}

function sinceField(params: Params): StreamPosition | undefined {
  const since = params.since;
  if (since === undefined) return undefined;
  if (typeof since !== 'object' || since === null || Array.isArray(since))
    throw badRequest(`field since must be an object {offset, epoch}, got ${typeName(since)}`);
  const position = paramsOf('since', since, ['offset', 'epoch']);
  const offset = optionalInteger(position, 'offset', 0);
  if (offset === undefined) throw badRequest('field since.offset is required');
  return { offset, epoch: requiredString(position, 'epoch') };
}

/** A publication of `history` as the API shows it: without its channel (the caller gave it). */
function shown({ channel: _channel, excludeClient: _excluded, ...pub }: Publication): Omit<Publication, 'channel' | 'excludeClient'> {
  return pub;
}

function localMethods(ctx: ApiContext): Record<string, ApiMethod> {
  const { node } = ctx;
  return {
    async publish(raw) {
      const params = paramsOf('publish', raw, ['channel', 'data', ...PUBLISH_OPTIONS]);
      const channel = channelField(params);
      const data = dataField(params, ctx.maxDataDepth);
      return publishTo(ctx, channel, data, publishOptions(params));
    },
    async broadcast(raw) {
      const params = paramsOf('broadcast', raw, ['channels', 'data', ...PUBLISH_OPTIONS]);
      const channels = arrayField(params, 'channels', MAX_BROADCAST_CHANNELS);
      const data = dataField(params, ctx.maxDataDepth);
      const options = publishOptions(params);
      const responses = await Promise.all(
        channels.map((channel) => itemReply(ctx, async () => publishTo(ctx, channelField({ channel }, 'channel'), data, options))),
      );
      return { responses };
    },
    async presence(raw) {
      const channel = presenceChannel(ctx, paramsOf('presence', raw, ['channel']));
      return { presence: await node.presence(channel) };
    },
    async presence_stats(raw) {
      const channel = presenceChannel(ctx, paramsOf('presence_stats', raw, ['channel']));
      return node.presenceStats(channel);
    },
    async history(raw) {
      const params = paramsOf('history', raw, ['channel', 'since', 'limit', 'reverse']);
      const channel = historyChannel(ctx, params);
      const query: HistoryQuery = {};
      const since = sinceField(params);
      if (since) query.since = since;
      const limit = optionalInteger(params, 'limit', 0);
      if (limit !== undefined) query.limit = limit;
      const reverse = optionalBoolean(params, 'reverse');
      if (reverse !== undefined) query.reverse = reverse;
      const { publications, position } = await node.history(channel, query);
      return { publications: publications.map(shown), position };
    },
    async history_remove(raw) {
      await node.removeHistory(historyChannel(ctx, paramsOf('history_remove', raw, ['channel'])));
      return {};
    },
    async info(raw) {
      paramsOf('info', raw, []);
      const now = Date.now();
      return { nodes: node.cluster.nodes().map((info) => ({ ...info, uptimeMs: Math.max(0, now - info.startedAt) })) };
    },
  };
}

function presenceChannel(ctx: ApiContext, params: Params): string {
  const channel = channelField(params);
  if (!rulesOf(ctx, channel).presence)
    throw new ApiError(ERROR_CODES.NOT_AVAILABLE, `presence is not enabled for ${channel}: set presence: true on its namespace`);
  return channel;
}

function historyChannel(ctx: ApiContext, params: Params): string {
  const channel = channelField(params);
  if (!rulesOf(ctx, channel).history)
    throw new ApiError(
      ERROR_CODES.NOT_AVAILABLE,
      `history is not enabled for ${channel}: set historySize and historyTtlMs on its namespace`,
    );
  return channel;
}

/** `batch {commands: [{method, params}]}`: each command run in order, each answered on its own. */
function batchMethod(ctx: ApiContext, methods: ReadonlyMap<string, ApiMethod>): ApiMethod {
  return async (raw) => {
    const params = paramsOf('batch', raw, ['commands']);
    const commands = arrayField(params, 'commands', MAX_BATCH_COMMANDS);
    const replies: ItemReply[] = [];
    for (const [i, command] of commands.entries()) {
      replies.push(
        await itemReply(ctx, async () => {
          const { method, params: commandParams } = paramsOf(`batch: commands[${i}]`, command, ['method', 'params']);
          if (typeof method !== 'string') throw badRequest(`commands[${i}].method must be a string, got ${typeName(method)}`);
          const run = method === 'batch' ? undefined : methods.get(method);
          if (!run) throw new ApiError(ERROR_CODES.METHOD_NOT_FOUND, `unknown method ${JSON.stringify(method)} in a batch`);
          return run(commandParams);
        }),
      );
    }
    return { replies };
  };
}

/** The table of every method, by name (as in `POST /api/<name>`). */
export function createApiMethods(ctx: ApiContext): ApiMethods {
  const methods = new Map<string, ApiMethod>(Object.entries({ ...localMethods(ctx), ...clusterMethods(ctx) }));
  methods.set('batch', batchMethod(ctx, methods));
  return methods;
}

/**
 * @module api/openapi
 * The OpenAPI 3.1 document of the server API, served at /api/openapi.json: one path per method
 * of api/openapi-methods, the API key schemes, the error replies and their statuses.
 */
import { SERVER_VERSION } from '../version.js';
import { METHOD_DOCS, type MethodDoc, type Schema } from './openapi-methods.js';

const errorReply = (description: string, example: { code: number; message: string; temporary: boolean }) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorReply' }, example: { error: example } } },
});

/** The error statuses every method may answer, with their codes. */
export const ERROR_RESPONSES = {
  '400': errorReply('Bad input: 107 (bad request: the message names the field), 102 (unknown channel), 108 (not enabled).', {
    code: 107,
    message: 'field channel is required',
    temporary: false,
  }),
  '401': errorReply('101: no API key, or not one of the configured keys.', {
    code: 101,
    message: 'a valid API key is required: Authorization: apikey <key>, or X-API-Key',
    temporary: false,
  }),
  '404': errorReply('104: no such method.', { code: 104, message: 'unknown method "publsh" (see /api/openapi.json)', temporary: false }),
  '405': errorReply('107: a method other than POST.', { code: 107, message: 'use POST /api/<method>', temporary: false }),
  '413': errorReply('106: the body is larger than apiMaxBodyBytes.', {
    code: 106,
    message: 'the body is larger than 1048576 bytes (apiMaxBodyBytes)',
    temporary: false,
  }),
  '429': errorReply('111: a rate limit was hit; retry later.', { code: 111, message: 'too many requests', temporary: true }),
  '500': errorReply('100: an unexpected failure, logged by the node.', { code: 100, message: 'internal server error', temporary: true }),
  '503': errorReply(
    '115: the engine (Redis) is unreachable; nothing was done, retry. 100: the node is shutting down; retry on another node.',
    {
      code: 115,
      message: 'the engine is unreachable; retry',
      temporary: true,
    },
  ),
  '504': errorReply('114: a node did not answer a cluster-wide method in time (apiTimeoutMs); the message names it.', {
    code: 114,
    message: 'node b did not answer api.send_user within 5000 ms (node b did not act; 1 other did)',
    temporary: true,
  }),
} as const;

const SCHEMAS: Record<string, Schema> = {
  Error: {
    type: 'object',
    properties: {
      code: { type: 'integer', description: 'A relais error code (docs/protocol.md §11); 400–1999 belong to the application.' },
      message: { type: 'string' },
      temporary: { type: 'boolean', description: 'Whether the same call may succeed later.' },
    },
    required: ['code', 'message', 'temporary'],
  },
  ErrorReply: { type: 'object', properties: { error: { $ref: '#/components/schemas/Error' } }, required: ['error'] },
  ItemReply: {
    description: 'The answer to one channel of broadcast or one command of batch.',
    oneOf: [
      { type: 'object', properties: { result: {} }, required: ['result'] },
      { type: 'object', properties: { error: { $ref: '#/components/schemas/Error' } }, required: ['error'] },
    ],
  },
  StreamPosition: {
    type: 'object',
    properties: { offset: { type: 'integer', minimum: 0 }, epoch: { type: 'string' } },
    required: ['offset', 'epoch'],
    additionalProperties: false,
  },
  ClientInfo: {
    type: 'object',
    properties: {
      client: { type: 'string' },
      user: { type: 'string', description: '"" for anonymous connections.' },
      info: { description: 'From the onConnecting hook.' },
    },
    required: ['client', 'user'],
  },
  Publication: {
    type: 'object',
    properties: {
      data: {},
      offset: { type: 'integer' },
      epoch: { type: 'string' },
      event: { type: 'string' },
      info: { $ref: '#/components/schemas/ClientInfo', description: 'Who published it, when a client did.' },
    },
    required: ['data'],
  },
  NodeInfo: {
    type: 'object',
    properties: {
      id: { type: 'string' },
      startedAt: { type: 'integer', description: 'ms since the epoch' },
      uptimeMs: { type: 'integer' },
      version: { type: 'string' },
      connections: { type: 'integer' },
      subscriptions: { type: 'integer' },
    },
    required: ['id', 'startedAt', 'uptimeMs'],
  },
};

function operation(name: string, doc: MethodDoc): Record<string, unknown> {
  const { properties, required, oneOf } = doc.params;
  const params: Schema = { type: 'object', properties, additionalProperties: false };
  if (required) params.required = required;
  if (oneOf) params.oneOf = oneOf;
  return {
    operationId: name,
    summary: doc.summary,
    description: doc.description + (doc.cluster ? '\n\nActs on every node of the cluster.' : ''),
    tags: [doc.cluster ? 'cluster' : 'channels'],
    requestBody: { required: name !== 'info', content: { 'application/json': { schema: params, example: doc.example.params } } },
    responses: {
      '200': {
        description: 'Done.',
        content: {
          'application/json': {
            schema: { type: 'object', properties: { result: doc.result }, required: ['result'] },
            example: { result: doc.example.result },
          },
        },
      },
      ...ERROR_RESPONSES,
    },
  };
}

/** The document; `paths` has one `POST /api/<method>` per method. */
export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'relais server API',
    version: SERVER_VERSION,
    description:
      'Publish, broadcast, presence, history and connection control for backends in any language. Every call is `POST /api/<method>` with a JSON body; replies are `{"result": …}` or `{"error": {code, message, temporary}}`. See docs/api.md.',
  },
  servers: [{ url: '/', description: 'the node, or its apiPort' }],
  security: [{ apiKeyHeader: [] }, { apiKeyAuthorization: [] }],
  tags: [
    { name: 'channels', description: 'Publications, presence and history, through the engine.' },
    { name: 'cluster', description: 'Methods that reach connections on every node.' },
  ],
  paths: Object.fromEntries(Object.entries(METHOD_DOCS).map(([name, doc]) => [`/api/${name}`, { post: operation(name, doc) }])),
  components: {
    schemas: SCHEMAS,
    securitySchemes: {
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      apiKeyAuthorization: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'The value `apikey <key>`.' },
    },
  },
} as const;

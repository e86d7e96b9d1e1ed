/**
 * @module rest-broadcast
 * Supabase's REST broadcast: `POST <basePath>/api/broadcast` with `{messages: [{topic, event,
 * payload, private?}]}`, and `POST <basePath>/api/broadcast/<topic>/events/<event>` (realtime-js
 * `httpSend`, the body is the payload, `?private=true`). The `apikey` header (or
 * `Authorization: Bearer`) is the token of a relais connection opened for the request, so the
 * node's verifier, connect hooks and the namespaces' publish rules decide as for a client.
 * Answers 202 when every message was published, else the first failure with `{message}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES } from '@relais/protocol';
import { BodyTooLarge, readBody, type Logger, type Relais } from '@relais/server';
import type { ResolvedSupabaseOptions } from './options.js';
import { LISTENER_INFO } from './presence-map.js';
import { LinkError, RelaisLink } from './relais-link.js';
import { requestInfo } from './request-info.js';
import { channelOfTopic, subTopicOf, TOPIC_PREFIX } from './topics.js';
import { handleCors } from './cors.js';

interface RestMessage {
  topic: string;
  event: string;
  payload: unknown;
  private: boolean;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tokenOf(req: IncomingMessage): string | undefined {
  const authorization = req.headers.authorization;
  if (typeof authorization === 'string' && /^bearer /i.test(authorization)) return authorization.slice(7).trim() || undefined;
  const apikey = req.headers.apikey;
  return typeof apikey === 'string' && apikey !== '' ? apikey : undefined;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function batch(body: Buffer): RestMessage[] {
  const value = parseJson(body);
  if (!isRecord(value) || !Array.isArray(value.messages) || value.messages.length === 0)
    throw new HttpError(400, 'the body must be {"messages": [{topic, event, payload}, …]}');
  return value.messages.map((message, index) => {
    if (!isRecord(message)) throw new HttpError(400, `messages[${index}] must be an object`);
    if (typeof message.topic !== 'string' || message.topic === '')
      throw new HttpError(400, `messages[${index}].topic must be a non-empty string`);
    if (typeof message.event !== 'string' || message.event === '')
      throw new HttpError(400, `messages[${index}].event must be a non-empty string`);
    if (message.private !== undefined && typeof message.private !== 'boolean')
      throw new HttpError(400, `messages[${index}].private must be a boolean`);
    return { topic: message.topic, event: message.event, payload: message.payload ?? null, private: message.private === true };
  });
}

/** `/<topic>/events/<event>` under the broadcast path. */
function single(rest: string, query: URLSearchParams, body: Buffer): RestMessage[] {
  const match = /^\/([^/]+)\/events\/([^/]+)$/.exec(rest);
  if (!match) throw new HttpError(404, 'not found');
  let topic: string;
  let event: string;
  try {
    topic = decodeURIComponent(match[1]!);
    event = decodeURIComponent(match[2]!);
  } catch {
    throw new HttpError(400, 'the topic and event must be URL-encoded');
  }
  return [{ topic, event, payload: parseJson(body), private: query.get('private') === 'true' }];
}

const STATUS_OF_CODE: Record<number, number> = {
  [ERROR_CODES.UNAUTHORIZED]: 401,
  [ERROR_CODES.PERMISSION_DENIED]: 403,
  [ERROR_CODES.UNKNOWN_CHANNEL]: 404,
  [ERROR_CODES.TOO_MANY_REQUESTS]: 429,
  [ERROR_CODES.LIMIT_EXCEEDED]: 413,
};

async function publishAll(relais: Relais, options: ResolvedSupabaseOptions, req: IncomingMessage, messages: RestMessage[]): Promise<void> {
  const link = new RelaisLink(relais, requestInfo(relais, req), { onPush: () => undefined, onClose: () => undefined }, () => 0);
  try {
    let user: string;
    try {
      ({ user } = await link.open({ token: tokenOf(req), data: LISTENER_INFO }));
    } catch (error) {
      throw new HttpError(401, error instanceof LinkError ? error.message : 'unauthorized');
    }
    for (const message of messages) {
      const mapped = channelOfTopic(TOPIC_PREFIX + subTopicOf(message.topic), message.private, options);
      if ('error' in mapped) throw new HttpError(400, mapped.error);
      if (message.private && user === '') throw new HttpError(403, 'a private channel needs an access token of a user (with sub)');
      try {
        await link.call('publish', { channel: mapped.channel, event: message.event, data: message.payload });
      } catch (error) {
        if (!(error instanceof LinkError)) throw error;
        throw new HttpError(STATUS_OF_CODE[error.code] ?? 400, error.message);
      }
    }
  } finally {
    link.end();
  }
}

function answer(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** The request handler of `<basePath>/api/broadcast` and everything under it. */
export function restBroadcastHandler(relais: Relais, options: ResolvedSupabaseOptions, logger: Logger) {
  const path = `${options.basePath}/api/broadcast`;
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://relais');
    if (url.pathname !== path && !url.pathname.startsWith(`${path}/`)) return false;
    if (handleCors(req, res, relais.options.allowedOrigins, 'POST')) return true;
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      answer(res, 405, { message: 'use POST' });
      return true;
    }
    try {
      const body = await readBody(req, options.maxBodyBytes);
      const rest = url.pathname.slice(path.length);
      const messages = rest === '' || rest === '/' ? batch(body) : single(rest, url.searchParams, body);
      await publishAll(relais, options, req, messages);
      answer(res, 202);
    } catch (error) {
      if (error instanceof BodyTooLarge) answer(res, 413, { message: `the body is larger than ${options.maxBodyBytes} bytes` });
      else if (error instanceof HttpError) answer(res, error.status, { message: error.message });
      else {
        logger.error({ err: error }, 'supabase: REST broadcast failed');
        answer(res, 500, { message: 'internal server error' });
      }
    }
    return true;
  };
}

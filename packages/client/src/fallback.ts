/**
 * @module @relais/client/fallback
 * The HTTP fallback transports, an opt-in import so that apps on WebSocket alone do not ship
 * them: HTTP streaming (fetch), Server-Sent Events and long-polling, for networks that break
 * WebSockets (docs/transports.md). Pass them in the client's `transports` option.
 * @example
 * import { fallbacks } from '@relais/client/fallback';
 * const client = new Client(url, { transports: fallbacks }); // websocket, then http_stream, sse, long_poll
 */
import type { FallbackTransport, TransportEnvironment, TransportOption } from './transports/chooser.js';
import type { FetchLike } from './transports/fetch.js';
import { httpEndpoints } from './transports/http-endpoints.js';
import { HttpStreamTransport } from './transports/http-stream.js';
import { TransportLadder } from './transports/ladder.js';
import { LongPollTransport } from './transports/long-poll.js';
import { SseTransport } from './transports/sse.js';

function fetchOf(env: TransportEnvironment): FetchLike | undefined {
  const global = globalThis as { fetch?: FetchLike };
  // Called unbound, the browser's fetch throws "Illegal invocation".
  return env.fetch ?? (global.fetch ? (global.fetch.bind(globalThis) as FetchLike) : undefined);
}

function eventSourceOf(env: TransportEnvironment): TransportEnvironment['EventSource'] {
  return env.EventSource ?? (globalThis as { EventSource?: TransportEnvironment['EventSource'] }).EventSource;
}

/** Every fallback brings the ladder that falls back to it (and moves back up to a WebSocket). */
const ladder: FallbackTransport['chooser'] = (url, options, timers) => new TransportLadder(url, options, timers);

/** HTTP streaming: one long POST response carries server → client; needs a fetch whose body is a ReadableStream. */
export const httpStream: FallbackTransport = {
  kind: 'http_stream',
  missing: (env) =>
    fetchOf(env) && typeof ReadableStream !== 'undefined' ? undefined : 'options.fetch (a fetch whose response body is a ReadableStream)',
  open: (env, url, handlers) => new HttpStreamTransport(fetchOf(env)!, httpEndpoints(url), handlers),
  chooser: ladder,
};

/** Server-Sent Events: an EventSource carries server → client; needs EventSource (in Node: the `eventsource` package) and fetch. */
export const sse: FallbackTransport = {
  kind: 'sse',
  missing: (env) => (eventSourceOf(env) && fetchOf(env) ? undefined : 'options.EventSource and a fetch'),
  open: (env, url, handlers) => new SseTransport(eventSourceOf(env)!, fetchOf(env)!, httpEndpoints(url), handlers),
  chooser: ladder,
};

/** Long-polling: repeated POSTs, for clients that can stream neither way; needs fetch. */
export const longPoll: FallbackTransport = {
  kind: 'long_poll',
  missing: (env) => (fetchOf(env) ? undefined : 'options.fetch'),
  open: (env, url, handlers) => new LongPollTransport(fetchOf(env)!, httpEndpoints(url), handlers),
  chooser: ladder,
};

/** Every transport, in the order clients tried them by default before 0.2: WebSocket, then the three fallbacks. */
export const fallbacks: readonly TransportOption[] = ['websocket', httpStream, sse, longPoll];

/** The fallback of each name, for apps and tools that choose transports by name (a CLI flag, a URL parameter). */
export const FALLBACKS: Readonly<Record<FallbackTransport['kind'], FallbackTransport>> = {
  http_stream: httpStream,
  sse,
  long_poll: longPoll,
};

export type { FallbackTransport, TransportEnvironment, TransportOption } from './transports/chooser.js';
export type { EventSourceConstructor, EventSourceLike, FetchLike, ResponseLike } from './transports/fetch.js';

/**
 * @module transports/ladder
 * Which transport the next connection attempt uses. The client starts at the first of its
 * `transports` the runtime has; an attempt that ends before the connect reply (a blocked
 * WebSocket, a proxy that kills the upgrade) moves it one step down. A transport that connected
 * is kept through failures (the server is more likely down than the transport blocked) until
 * FAILURES_BEFORE_DEMOTION attempts in a row failed; while it is a fallback, a WebSocket is tried
 * every `transportRetryMs`, and when one opens the client moves back up (its subscriptions
 * recover what the switch missed).
 */
import { InvalidOptionsError } from '../errors.js';
import { Timeout, type Timers } from '../timer.js';
import { httpEndpoints, type OpenTransport, type TransportKind } from './client-transport.js';
import type { EventSourceConstructor, FetchLike } from './fetch.js';
import { HttpStreamTransport } from './http-stream.js';
import { LongPollTransport } from './long-poll.js';
import { SseTransport } from './sse.js';
import { WebSocketTransport, type WebSocketConstructor } from './websocket.js';

/** The options the ladder reads. */
export interface LadderOptions {
  transports: readonly TransportKind[];
  websocket: WebSocketConstructor | undefined;
  fetch: FetchLike | undefined;
  EventSource: EventSourceConstructor | undefined;
  transportRetryMs: number;
}

interface Runtime {
  websocket: WebSocketConstructor | undefined;
  fetch: FetchLike | undefined;
  EventSource: EventSourceConstructor | undefined;
}

function runtime(options: LadderOptions): Runtime {
  const global = globalThis as { WebSocket?: WebSocketConstructor; fetch?: FetchLike; EventSource?: EventSourceConstructor };
  return {
    websocket: options.websocket ?? global.WebSocket,
    // Called unbound, the browser's fetch throws "Illegal invocation".
    fetch: options.fetch ?? (global.fetch ? (global.fetch.bind(globalThis) as FetchLike) : undefined),
    EventSource: options.EventSource ?? global.EventSource,
  };
}

const NEEDS: Record<TransportKind, (r: Runtime) => string | undefined> = {
  websocket: (r) => (r.websocket ? undefined : "options.websocket (in Node: import WebSocket from 'ws')"),
  http_stream: (r) =>
    r.fetch && typeof ReadableStream !== 'undefined' ? undefined : 'options.fetch (a fetch whose response body is a ReadableStream)',
  sse: (r) => (r.EventSource && r.fetch ? undefined : 'options.EventSource and a fetch'),
  long_poll: (r) => (r.fetch ? undefined : 'options.fetch'),
};

/** Failed attempts in a row after which a transport that once connected is no longer trusted. */
export const FAILURES_BEFORE_DEMOTION = 5;

export class TransportLadder {
  readonly #url: string;
  readonly #options: LadderOptions;
  readonly #runtime: Runtime;
  readonly #kinds: TransportKind[];
  readonly #probe: Timeout;
  #index = 0;
  #connected = false;
  /** Transports that connected in this client's life, and the failures in a row since. */
  readonly #worked = new Set<TransportKind>();
  #failures = 0;
  #probing: WebSocketTransport | undefined;

  /** Throws InvalidOptionsError when none of `transports` can run here. */
  constructor(url: string, options: LadderOptions, timers: Timers) {
    this.#url = url;
    this.#options = options;
    this.#runtime = runtime(options);
    this.#kinds = options.transports.filter((kind) => NEEDS[kind](this.#runtime) === undefined);
    if (this.#kinds.length === 0) {
      const first = options.transports[0]!;
      throw new InvalidOptionsError(`no transport can run in this runtime: ${first} needs ${NEEDS[first](this.#runtime)}`);
    }
    this.#probe = new Timeout(timers);
  }

  /** The transport of the current (or next) attempt. */
  get current(): TransportKind {
    return this.#kinds[this.#index]!;
  }

  /** The transports this client tries, in order (those the runtime has). */
  get kinds(): readonly TransportKind[] {
    return this.#kinds;
  }

  /** Opens the current transport for one connection attempt; a WebSocket offers `subprotocols`. */
  opener(subprotocols: readonly string[]): OpenTransport {
    this.#connected = false;
    const kind = this.current;
    const { websocket, fetch, EventSource } = this.#runtime;
    if (kind === 'websocket') return (handlers) => new WebSocketTransport(websocket!, this.#url, subprotocols, handlers);
    const urls = httpEndpoints(this.#url);
    if (kind === 'http_stream') return (handlers) => new HttpStreamTransport(fetch!, urls, handlers);
    if (kind === 'long_poll') return (handlers) => new LongPollTransport(fetch!, urls, handlers);
    return (handlers) => new SseTransport(EventSource!, fetch!, urls, handlers);
  }

  /** The attempt connected: keep this transport; on a fallback, try a WebSocket now and then. */
  connected(moveBackUp: () => void): void {
    this.#connected = true;
    this.#worked.add(this.current);
    this.#failures = 0;
    // Only a client whose first choice is a WebSocket moves back up to it.
    if (this.#index === 0 || this.#kinds[0] !== 'websocket') return;
    this.#scheduleProbe(moveBackUp);
  }

  /** The connection ended: one that never connected moves the next attempt one transport down. */
  lost(): void {
    this.stopProbe();
    const failed = !this.#connected;
    this.#connected = false;
    if (!failed || this.#kinds.length === 1) return;
    this.#failures += 1;
    if (this.#worked.has(this.current) && this.#failures < FAILURES_BEFORE_DEMOTION) return;
    this.#worked.delete(this.current);
    this.#failures = 0;
    this.#index = (this.#index + 1) % this.#kinds.length;
  }

  stopProbe(): void {
    this.#probe.stop();
    this.#probing?.close();
    this.#probing = undefined;
  }

  #scheduleProbe(moveBackUp: () => void): void {
    this.#probe.start(this.#options.transportRetryMs, () => {
      // A probe only checks that an upgrade gets through; the session it opens is closed at once.
      this.#probing = new WebSocketTransport(this.#runtime.websocket!, this.#url, ['relais.v1.json'], {
        open: () => {
          this.stopProbe();
          this.#index = 0;
          moveBackUp();
        },
        message: () => {},
        close: () => {
          this.#probing = undefined;
          this.#scheduleProbe(moveBackUp);
        },
        error: () => {},
      });
    });
  }
}

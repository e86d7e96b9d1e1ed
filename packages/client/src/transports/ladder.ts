/**
 * @module transports/ladder
 * Which transport the next connection attempt uses. The client starts at the first of its
 * `transports` the runtime has; an attempt that ends before the connect reply (a blocked
 * WebSocket, a proxy that kills the upgrade) moves it one step down. A transport that connected
 * is kept through failures (the server is more likely down than the transport blocked) until
 * FAILURES_BEFORE_DEMOTION attempts in a row failed; while it is a fallback, a WebSocket is tried
 * every `transportRetryMs`, and when one opens the client moves back up (its subscriptions
 * recover what the switch missed). It comes with the fallbacks of `@relais/client/fallback`
 * (FallbackTransport.chooser): a client on WebSocket alone has WebSocketOnly instead.
 */
import { InvalidOptionsError } from '../errors.js';
import { Timeout, type Timers } from '../timer.js';
import { NEEDS_WEBSOCKET, webSocketOf, type ChooserOptions, type TransportChooser, type TransportOption } from './chooser.js';
import type { OpenTransport, TransportKind } from './client-transport.js';
import { WebSocketTransport, type WebSocketConstructor } from './websocket.js';

/** The options the ladder reads. */
export type LadderOptions = ChooserOptions;

const kindOf = (transport: TransportOption): TransportKind => (transport === 'websocket' ? transport : transport.kind);

/** Failed attempts in a row after which a transport that once connected is no longer trusted. */
export const FAILURES_BEFORE_DEMOTION = 5;

export class TransportLadder implements TransportChooser {
  readonly #url: string;
  readonly #options: LadderOptions;
  readonly #websocket: WebSocketConstructor | undefined;
  readonly #transports: TransportOption[];
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
    this.#websocket = webSocketOf(options);
    this.#transports = options.transports.filter((transport) => this.#missing(transport) === undefined);
    this.#kinds = this.#transports.map(kindOf);
    if (this.#kinds.length === 0) {
      const first = options.transports[0]!;
      throw new InvalidOptionsError(`no transport can run in this runtime: ${kindOf(first)} needs ${this.#missing(first)}`);
    }
    this.#probe = new Timeout(timers);
  }

  #missing(transport: TransportOption): string | undefined {
    if (transport !== 'websocket') return transport.missing(this.#options);
    return this.#websocket ? undefined : NEEDS_WEBSOCKET;
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
    const transport = this.#transports[this.#index]!;
    if (transport === 'websocket') return (handlers) => new WebSocketTransport(this.#websocket!, this.#url, subprotocols, handlers);
    return (handlers) => transport.open(this.#options, this.#url, handlers);
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
      this.#probing = new WebSocketTransport(this.#websocket!, this.#url, ['relais.v1.json'], {
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

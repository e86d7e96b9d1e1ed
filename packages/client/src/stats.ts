/**
 * @module stats
 * Connection counters: RTT, messages and bytes each way, reconnects, time connected.
 */
import type { Timers } from './timer.js';

/** A snapshot returned by `client.stats()`. */
export interface ClientStats {
  /** Round-trip time of the latest heartbeat (ping command -> reply), in ms; undefined before the first. */
  rttMs: number | undefined;
  /** Protocol frames received (a WebSocket message may carry several). */
  messagesIn: number;
  /** Protocol frames sent. */
  messagesOut: number;
  /** WebSocket payload bytes received. */
  bytesIn: number;
  /** WebSocket payload bytes sent. */
  bytesOut: number;
  /** Connections established after the first one. */
  reconnects: number;
  /** Total time spent in state 'connected', the current connection included, in ms. */
  connectedMs: number;
  /** Calls waiting in the offline queue. */
  queuedSends: number;
  /** Commands sent and awaiting their reply. */
  inflight: number;
  /** Live publications held back by subscriptions until their recovery completes (at most maxHeldPublications each). */
  heldPublications: number;
}

export class StatsCollector {
  readonly #timers: Timers;
  rttMs: number | undefined;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  reconnects = 0;
  #connections = 0;
  #connectedTotalMs = 0;
  #connectedSince: number | undefined;

  constructor(timers: Timers) {
    this.#timers = timers;
  }

  connected(): void {
    if (this.#connections++ > 0) this.reconnects++;
    this.#connectedSince = this.#timers.now();
  }

  disconnected(): void {
    if (this.#connectedSince === undefined) return;
    this.#connectedTotalMs += this.#timers.now() - this.#connectedSince;
    this.#connectedSince = undefined;
  }

  received(frames: number, bytes: number): void {
    this.messagesIn += frames;
    this.bytesIn += bytes;
  }

  sent(bytes: number): void {
    this.messagesOut++;
    this.bytesOut += bytes;
  }

  snapshot(queuedSends: number, inflight: number, heldPublications: number): ClientStats {
    const current = this.#connectedSince === undefined ? 0 : this.#timers.now() - this.#connectedSince;
    return {
      rttMs: this.rttMs,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      reconnects: this.reconnects,
      connectedMs: this.#connectedTotalMs + current,
      queuedSends,
      inflight,
      heldPublications,
    };
  }
}

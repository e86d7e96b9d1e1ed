/**
 * @module transports/http-transport
 * What the HTTP transports (HTTP streaming, SSE, long-polling) share: commands go out by the
 * emulation POST, frames are JSON text, one close. Each subclass reads the server's frames its
 * own way and calls `opened`, `deliver` and `end`.
 */
import type { Frame } from '@relais/protocol';
import { ABNORMAL_CLOSE, frameBytes, type ClientTransport, type TransportHandlers } from './client-transport.js';
import { disconnectOf } from './http-endpoints.js';
import { EmulationSender } from './emulation.js';
import type { FetchLike } from './fetch.js';

export abstract class HttpTransport implements ClientTransport {
  protected readonly handlers: TransportHandlers;
  readonly #sender: EmulationSender;
  #open = false;
  #closed = false;
  #ended: { code: number; reason: string } | undefined;

  constructor(fetch: FetchLike, emulationUrl: string, handlers: TransportHandlers) {
    this.handlers = handlers;
    this.#sender = new EmulationSender(fetch, emulationUrl, (reason) => this.end(ABNORMAL_CLOSE, reason));
  }

  get isOpen(): boolean {
    return this.#open && !this.#closed;
  }

  protected get closed(): boolean {
    return this.#closed;
  }

  send(frame: Frame): void {
    if (typeof frame !== 'string') throw new TypeError('HTTP transports carry JSON frames only');
    this.#sender.send(frame);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sender.stop();
    this.stop();
  }

  /** Releases what the subclass holds (its request, its EventSource). */
  protected abstract stop(): void;

  /** The server named the session: commands can go out. */
  protected opened(session: string): void {
    if (this.#closed || this.#open) return;
    this.#sender.start(session);
    this.#open = true;
    this.handlers.open();
  }

  /** One frame from the server; the `disconnect` push is kept for the close that follows. */
  protected deliver(frame: string): void {
    if (frame === '' || this.#closed) return;
    this.#ended = disconnectOf(frame) ?? this.#ended;
    this.handlers.message(frame, frameBytes(frame));
  }

  /** Ends the transport: with the code of the `disconnect` push seen, else `code`. */
  protected end(code = ABNORMAL_CLOSE, reason = 'HTTP transport ended'): void {
    if (this.#closed) return;
    this.close();
    this.handlers.close(this.#ended?.code ?? code, this.#ended?.reason ?? reason);
  }
}

/**
 * @module transports/sse
 * The Server-Sent Events transport: an EventSource on `/connection/sse` carries server →
 * client (its first event names the session), commands go by the emulation POST. EventSource
 * reconnects by itself on errors; here an error ends the transport instead, and the client's own
 * reconnect (with recovery) takes over.
 */
import type { Frame } from '@relais/protocol';
import { ABNORMAL_CLOSE, disconnectOf, frameBytes, type ClientTransport, type TransportHandlers } from './client-transport.js';
import { EmulationSender } from './emulation.js';
import type { EventSourceConstructor, EventSourceLike, FetchLike } from './fetch.js';

export class SseTransport implements ClientTransport {
  readonly #handlers: TransportHandlers;
  readonly #source: EventSourceLike;
  readonly #sender: EmulationSender;
  #open = false;
  #closed = false;
  #ended: { code: number; reason: string } | undefined;

  constructor(
    EventSource: EventSourceConstructor,
    fetch: FetchLike,
    urls: { sse: string; emulation: string },
    handlers: TransportHandlers,
  ) {
    this.#handlers = handlers;
    this.#sender = new EmulationSender(fetch, urls.emulation, (reason) => this.#end(ABNORMAL_CLOSE, reason));
    const source = new EventSource(urls.sse);
    source.addEventListener('session', (event) => {
      if (this.#closed || this.#open) return;
      this.#sender.start(event.data);
      this.#open = true;
      handlers.open();
    });
    source.onmessage = (event) => {
      if (this.#closed) return;
      // One event is one transport message: frames separated by newlines.
      for (const frame of event.data.split('\n')) {
        if (frame === '') continue;
        this.#ended = disconnectOf(frame) ?? this.#ended;
        handlers.message(frame, frameBytes(frame));
      }
    };
    // The stream ended (after a disconnect push, or cut): EventSource would reconnect on its own.
    source.onerror = () => this.#end(this.#ended?.code ?? ABNORMAL_CLOSE, this.#ended?.reason ?? 'SSE stream ended');
    this.#source = source;
  }

  get isOpen(): boolean {
    return this.#open && !this.#closed;
  }

  send(frame: Frame): void {
    if (typeof frame !== 'string') throw new TypeError('HTTP transports carry JSON frames only');
    this.#sender.send(frame);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sender.stop();
    this.#source.close();
  }

  #end(code: number, reason: string): void {
    if (this.#closed) return;
    this.close();
    this.#handlers.close(code, reason);
  }
}

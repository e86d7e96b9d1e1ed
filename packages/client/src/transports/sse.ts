/**
 * @module transports/sse
 * The Server-Sent Events transport: an EventSource on `/connection/sse` carries server →
 * client (its first event names the session), commands go by the emulation POST. EventSource
 * reconnects by itself on errors; here an error ends the transport instead, and the client's own
 * reconnect (with recovery) takes over.
 */
import type { TransportHandlers } from './client-transport.js';
import type { EventSourceConstructor, EventSourceLike, FetchLike } from './fetch.js';
import { HttpTransport } from './http-transport.js';

export class SseTransport extends HttpTransport {
  readonly #source: EventSourceLike;

  constructor(
    EventSource: EventSourceConstructor,
    fetch: FetchLike,
    urls: { sse: string; emulation: string },
    handlers: TransportHandlers,
  ) {
    super(fetch, urls.emulation, handlers);
    const source = new EventSource(urls.sse);
    source.addEventListener('session', (event) => this.opened(event.data));
    // One event is one transport message: frames separated by newlines.
    source.onmessage = (event) => {
      for (const frame of event.data.split('\n')) this.deliver(frame);
    };
    // The stream ended (after a disconnect push, or cut): EventSource would reconnect on its own.
    source.onerror = () => this.end(undefined, 'SSE stream ended');
    this.#source = source;
  }

  protected stop(): void {
    this.#source.close();
  }
}

/**
 * @module transports/http-stream
 * The HTTP streaming transport: `POST /connection/http_stream` opens a response the server
 * writes newline-separated JSON frames to, for as long as the session lives; commands go by
 * the emulation POST. For networks that break WebSockets (docs/protocol.md §1, HTTP transports).
 */
import type { TransportHandlers } from './client-transport.js';
import { SESSION_HEADER } from './emulation.js';
import type { FetchLike } from './fetch.js';
import { HttpTransport } from './http-transport.js';

export class HttpStreamTransport extends HttpTransport {
  readonly #abort = new AbortController();

  constructor(fetch: FetchLike, urls: { stream: string; emulation: string }, handlers: TransportHandlers) {
    super(fetch, urls.emulation, handlers);
    void this.#read(fetch, urls.stream);
  }

  protected stop(): void {
    this.#abort.abort();
  }

  async #read(fetch: FetchLike, url: string): Promise<void> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '',
        signal: this.#abort.signal,
      });
      const session = response.headers.get(SESSION_HEADER);
      if (response.status !== 200 || !response.body || !session) {
        this.end(undefined, `HTTP stream refused: ${response.status}`);
        return;
      }
      this.opened(session);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.closed) break;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n')) >= 0) {
          this.deliver(buffer.slice(0, at));
          buffer = buffer.slice(at + 1);
        }
      }
    } catch (cause) {
      if (this.closed) return;
      this.handlers.error(cause);
    }
    this.end(undefined, 'HTTP stream ended');
  }
}

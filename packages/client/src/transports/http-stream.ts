/**
 * @module transports/http-stream
 * The HTTP streaming transport: `POST /connection/http_stream` opens a response the server
 * writes newline-separated JSON frames to, for as long as the session lives; commands go by
 * the emulation POST. For networks that break WebSockets (docs/protocol.md §1, HTTP transports).
 */
import type { Frame } from '@relais/protocol';
import { ABNORMAL_CLOSE, disconnectOf, frameBytes, type ClientTransport, type TransportHandlers } from './client-transport.js';
import { EmulationSender, SESSION_HEADER } from './emulation.js';
import type { FetchLike } from './fetch.js';

export class HttpStreamTransport implements ClientTransport {
  readonly #handlers: TransportHandlers;
  readonly #abort = new AbortController();
  readonly #sender: EmulationSender;
  #open = false;
  #closed = false;

  constructor(fetch: FetchLike, urls: { stream: string; emulation: string }, handlers: TransportHandlers) {
    this.#handlers = handlers;
    this.#sender = new EmulationSender(fetch, urls.emulation, (reason) => this.#end(ABNORMAL_CLOSE, reason));
    void this.#read(fetch, urls.stream);
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
    this.#abort.abort();
  }

  async #read(fetch: FetchLike, url: string): Promise<void> {
    let ended: { code: number; reason: string } | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '',
        signal: this.#abort.signal,
      });
      const session = response.headers.get(SESSION_HEADER);
      if (response.status !== 200 || !response.body || !session) {
        this.#end(ABNORMAL_CLOSE, `HTTP stream refused: ${response.status}`);
        return;
      }
      this.#sender.start(session);
      this.#open = true;
      this.#handlers.open();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.#closed) break;
        buffer += decoder.decode(value, { stream: true });
        let at: number;
        while ((at = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, at);
          buffer = buffer.slice(at + 1);
          if (line === '') continue;
          ended = disconnectOf(line) ?? ended;
          if (!this.#closed) this.#handlers.message(line, frameBytes(line));
        }
      }
    } catch (cause) {
      if (this.#closed) return;
      this.#handlers.error(cause);
    }
    this.#end(ended?.code ?? ABNORMAL_CLOSE, ended?.reason ?? 'HTTP stream ended');
  }

  #end(code: number, reason: string): void {
    if (this.#closed) return;
    this.close();
    this.#handlers.close(code, reason);
  }
}

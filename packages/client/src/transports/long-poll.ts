/**
 * @module transports/long-poll
 * The long-polling transport, for clients that can stream neither way: `POST
 * /connection/long_poll` opens the session (and is its first poll), then `POST /connection/poll`
 * again and again takes what the server queued, each waiting up to the server's bound when
 * nothing is. Commands go by the emulation POST.
 */
import type { TransportHandlers } from './client-transport.js';
import { disconnectOf } from './http-endpoints.js';
import { SESSION_HEADER } from './emulation.js';
import type { FetchLike } from './fetch.js';
import { HttpTransport } from './http-transport.js';

export class LongPollTransport extends HttpTransport {
  readonly #abort = new AbortController();

  constructor(fetch: FetchLike, urls: { longPoll: string; poll: string; emulation: string }, handlers: TransportHandlers) {
    super(fetch, urls.emulation, handlers);
    void this.#run(fetch, urls);
  }

  protected stop(): void {
    this.#abort.abort();
  }

  async #run(fetch: FetchLike, urls: { longPoll: string; poll: string }): Promise<void> {
    const signal = this.#abort.signal;
    try {
      let response = await fetch(urls.longPoll, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '', signal });
      const session = response.headers.get(SESSION_HEADER);
      if (response.status !== 200 || !session) {
        this.end(undefined, `long-polling refused: ${response.status}`);
        return;
      }
      this.opened(session);
      for (;;) {
        const lines = (await response.text()).split('\n');
        for (const line of lines) this.deliver(line);
        if (this.closed) return;
        // The last answer of an ended session carries its disconnect push.
        if (lines.some((line) => disconnectOf(line) !== undefined)) {
          this.end();
          return;
        }
        response = await fetch(urls.poll, { method: 'POST', headers: { [SESSION_HEADER]: session }, body: '', signal });
        if (response.status !== 200) {
          this.end(undefined, `poll answered ${response.status}`);
          return;
        }
      }
    } catch (cause) {
      if (this.closed) return;
      this.handlers.error(cause);
      this.end(undefined, 'long-polling failed');
    }
  }
}

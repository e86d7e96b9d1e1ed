/**
 * @module transports/long-poll
 * The long-polling transport, for clients that can stream neither way: `POST
 * /connection/long_poll` opens the session (and is its first poll), then `POST /connection/poll`
 * again and again takes what the server queued, each waiting up to the server's bound when
 * nothing is. Commands go by the emulation POST.
 */
import type { Frame } from '@relais/protocol';
import { ABNORMAL_CLOSE, disconnectOf, frameBytes, type ClientTransport, type TransportHandlers } from './client-transport.js';
import { EmulationSender, SESSION_HEADER } from './emulation.js';
import type { FetchLike, ResponseLike } from './fetch.js';

export class LongPollTransport implements ClientTransport {
  readonly #handlers: TransportHandlers;
  readonly #abort = new AbortController();
  readonly #sender: EmulationSender;
  readonly #fetch: FetchLike;
  #open = false;
  #closed = false;

  constructor(fetch: FetchLike, urls: { longPoll: string; poll: string; emulation: string }, handlers: TransportHandlers) {
    this.#handlers = handlers;
    this.#fetch = fetch;
    this.#sender = new EmulationSender(fetch, urls.emulation, (reason) => this.#end(ABNORMAL_CLOSE, reason));
    void this.#run(urls);
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

  async #run(urls: { longPoll: string; poll: string }): Promise<void> {
    const signal = this.#abort.signal;
    try {
      let response = await this.#fetch(urls.longPoll, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '',
        signal,
      });
      const session = response.headers.get(SESSION_HEADER);
      if (response.status !== 200 || !session) {
        this.#end(ABNORMAL_CLOSE, `long-polling refused: ${response.status}`);
        return;
      }
      this.#sender.start(session);
      this.#open = true;
      this.#handlers.open();
      for (;;) {
        const ended = await this.#deliver(response);
        if (this.#closed) return;
        if (ended) {
          this.#end(ended.code, ended.reason);
          return;
        }
        response = await this.#fetch(urls.poll, { method: 'POST', headers: { [SESSION_HEADER]: session }, body: '', signal });
        if (response.status !== 200) {
          this.#end(ABNORMAL_CLOSE, `poll answered ${response.status}`);
          return;
        }
      }
    } catch (cause) {
      if (this.#closed) return;
      this.#handlers.error(cause);
      this.#end(ABNORMAL_CLOSE, 'long-polling failed');
    }
  }

  /** Hands one poll's frames to the connection; the disconnect push among them, if any. */
  async #deliver(response: ResponseLike): Promise<{ code: number; reason: string } | undefined> {
    let ended: { code: number; reason: string } | undefined;
    for (const line of (await response.text()).split('\n')) {
      if (line === '' || this.#closed) continue;
      ended = disconnectOf(line) ?? ended;
      this.#handlers.message(line, frameBytes(line));
    }
    return ended;
  }

  #end(code: number, reason: string): void {
    if (this.#closed) return;
    this.close();
    this.#handlers.close(code, reason);
  }
}

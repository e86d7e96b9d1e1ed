/**
 * @module transports/emulation
 * The client → server half of the HTTP transports: frames POSTed to the emulation endpoint
 * with the stream's session id, one request at a time so that commands arrive in order (frames
 * queued meanwhile go together in the next one, newline-separated as on a JSON WebSocket).
 */
import type { FetchLike } from './fetch.js';

export const SESSION_HEADER = 'X-Relais-Session';

export class EmulationSender {
  readonly #fetch: FetchLike;
  readonly #url: string;
  readonly #failed: (reason: string) => void;
  #session: string | undefined;
  #queue: string[] = [];
  #sending = false;
  #stopped = false;

  /** `failed` runs once when a POST fails: the transport is then closed. */
  constructor(fetch: FetchLike, url: string, failed: (reason: string) => void) {
    this.#fetch = fetch;
    this.#url = url;
    this.#failed = failed;
  }

  /** The stream's session id is known: queued frames go out. */
  start(session: string): void {
    this.#session = session;
    void this.#pump();
  }

  send(frame: string): void {
    if (this.#stopped) throw new Error('the transport is closed');
    this.#queue.push(frame);
    void this.#pump();
  }

  stop(): void {
    this.#stopped = true;
    this.#queue = [];
  }

  async #pump(): Promise<void> {
    if (this.#sending || this.#session === undefined) return;
    this.#sending = true;
    try {
      while (this.#queue.length > 0 && !this.#stopped) {
        const body = this.#queue.join('\n');
        this.#queue = [];
        let status: number;
        try {
          const response = await this.#fetch(this.#url, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', [SESSION_HEADER]: this.#session },
            body,
          });
          status = response.status;
          // The body is read so that the connection can be reused.
          await response.text();
        } catch (cause) {
          this.#fail(`command POST failed: ${String(cause)}`);
          return;
        }
        if (status < 200 || status > 299) {
          this.#fail(`command POST answered ${status}`);
          return;
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  #fail(reason: string): void {
    if (this.#stopped) return;
    this.stop();
    this.#failed(reason);
  }
}

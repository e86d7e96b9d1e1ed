/**
 * @module testkit/ws-client
 * A raw protocol client over `ws` for end-to-end tests: send commands, await replies, pushes
 * and the close event. No reconnect, no state machine: it speaks frames, nothing more.
 */
import { codecForSubprotocol, jsonCodec, type Codec, type Frame, type Method, type Push, type Reply } from '@relais/protocol';
import { WebSocket, type RawData } from 'ws';

export interface TestClientOptions {
  /** Subprotocols to offer; none means JSON without negotiation. */
  protocols?: string | string[];
  /** Answer `ping` pushes with a `ping` command automatically. @default false */
  autoPong?: boolean;
  /** Extra headers of the upgrade request (e.g. `origin`). */
  headers?: Record<string, string>;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

type Waiter<T> = { match: (value: T) => boolean; resolve: (value: T) => void };

export class TestClient {
  readonly ws: WebSocket;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<CloseInfo>;
  /** Pushes received and not yet taken by `nextPush`. */
  readonly pushes: Push[] = [];
  readonly #replies = new Map<number, (reply: Reply) => void>();
  #pushWaiters: Waiter<Push>[] = [];
  #nextId = 1;
  readonly #autoPong: boolean;

  private constructor(ws: WebSocket, options: TestClientOptions) {
    this.ws = ws;
    this.#autoPong = options.autoPong ?? false;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data: RawData, isBinary: boolean) => this.#receive(data as Buffer, isBinary));
    ws.on('error', () => {});
  }

  /** The codec of the negotiated subprotocol (JSON when none was negotiated). */
  get codec(): Codec {
    return (this.ws.protocol && codecForSubprotocol(this.ws.protocol)) || jsonCodec;
  }

  /** Opens a connection; rejects when the upgrade fails (e.g. HTTP 400). */
  static open(url: string, options: TestClientOptions = {}): Promise<TestClient> {
    const init = options.headers ? { headers: options.headers } : {};
    const ws = options.protocols === undefined ? new WebSocket(url, init) : new WebSocket(url, options.protocols, init);
    const client = new TestClient(ws, options);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        reject(Object.assign(new Error(`unexpected response ${res.statusCode}`), { statusCode: res.statusCode }));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** Sends raw data as is (text or binary). */
  sendRaw(data: Frame): void {
    this.ws.send(data, { binary: typeof data !== 'string' });
  }

  /** Encodes and sends values in one transport message. */
  sendValues(values: unknown[]): void {
    this.sendRaw(this.codec.join(values.map((value) => this.codec.encode(value))));
  }

  /** Sends a command and resolves with its reply (result or error). */
  command(method: Method | string, params?: unknown): Promise<Reply> {
    return this.rawCommand((id) => this.codec.join([this.codec.encode(params === undefined ? { id, method } : { id, method, params })]));
  }

  /**
   * Sends a command whose frame `build` writes for the id it is given (frames the codec would
   * not write: data 20,000 levels deep, hand-made bytes) and resolves with its reply.
   */
  rawCommand(build: (id: number) => Frame): Promise<Reply> {
    const id = this.#nextId++;
    const reply = new Promise<Reply>((resolve) => this.#replies.set(id, resolve));
    this.sendRaw(build(id));
    return reply;
  }

  /** Sends a command and resolves with its result; rejects with the reply error. */
  async call<T = Record<string, unknown>>(method: Method | string, params?: unknown): Promise<T> {
    const reply = await this.command(method, params);
    if ('error' in reply) throw Object.assign(new Error(reply.error.message), reply.error);
    return reply.result as T;
  }

  /** Resolves with the next push matching `match` (already received ones first). */
  nextPush(match: (push: Push) => boolean = () => true): Promise<Push> {
    const at = this.pushes.findIndex(match);
    if (at !== -1) return Promise.resolve(this.pushes.splice(at, 1)[0] as Push);
    return new Promise((resolve) => this.#pushWaiters.push({ match, resolve }));
  }

  /** Closes the socket and waits for the close event. */
  async close(): Promise<CloseInfo> {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }

  #receive(data: Buffer, isBinary: boolean): void {
    const values = this.codec.decode(isBinary ? new Uint8Array(data) : data.toString('utf8')) as Record<string, unknown>[];
    for (const value of values) {
      if (typeof value.id === 'number') {
        this.#replies.get(value.id)?.(value as unknown as Reply);
        this.#replies.delete(value.id);
      } else {
        this.#push(value as unknown as Push);
      }
    }
  }

  #push(push: Push): void {
    if (push.type === 'ping' && this.#autoPong) {
      this.sendValues([{ id: this.#nextId++, method: 'ping' }]);
      return;
    }
    const waiter = this.#pushWaiters.find((w) => w.match(push));
    if (waiter) {
      this.#pushWaiters = this.#pushWaiters.filter((w) => w !== waiter);
      waiter.resolve(push);
    } else {
      this.pushes.push(push);
    }
  }
}

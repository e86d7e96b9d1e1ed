/**
 * @module transports/websocket
 * Moves frames over an injected WebSocket constructor (browser WebSocket, `ws`, or a fake).
 * Knows nothing of the protocol: bytes in, bytes out, one close.
 */
import type { Frame } from '@relais/protocol';
import { frameBytes, type ClientTransport, type TransportHandlers } from './client-transport.js';

export { frameBytes, type TransportHandlers } from './client-transport.js';

/**
 * An event handler property, checked bivariantly in its parameter like a method. The browser's
 * handlers take an `Event`/`MessageEvent`/`CloseEvent` and `ws`'s take its own event classes:
 * with a plain function type, strict parameter contravariance would reject both, since each
 * handler wants more than the `unknown` or `{ data }` declared here. The client only reads the
 * fields named here, which both provide.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

/** The part of a WebSocket the client uses; the browser's and `ws`'s both fit, without a cast. */
export interface WebSocketLike {
  binaryType: string;
  readonly protocol: string;
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

const OPEN = 1;

function toFrame(data: unknown): Frame {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // Node `ws` without binaryType support would give Buffer[] fragments; binaryType prevents it.
  throw new TypeError('unsupported WebSocket message data');
}

export class WebSocketTransport implements ClientTransport {
  readonly #socket: WebSocketLike;
  #closed = false;

  /** `subprotocols`: offered in this order of preference. */
  constructor(ctor: WebSocketConstructor, url: string, subprotocols: readonly string[], handlers: TransportHandlers) {
    const socket = new ctor(url, [...subprotocols]);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => handlers.open();
    socket.onmessage = (event) => {
      let frame: Frame;
      try {
        frame = toFrame(event.data);
      } catch (error) {
        handlers.error(error);
        return;
      }
      handlers.message(frame, frameBytes(frame));
    };
    socket.onerror = (event) => handlers.error(event);
    socket.onclose = (event) => {
      if (this.#closed) return;
      this.#closed = true;
      this.#detach();
      handlers.close(event.code, event.reason);
    };
    this.#socket = socket;
  }

  /** The subprotocol the server accepted ('' when none). */
  get protocol(): string {
    return this.#socket.protocol;
  }

  get isOpen(): boolean {
    return !this.#closed && this.#socket.readyState === OPEN;
  }

  send(frame: Frame): void {
    this.#socket.send(frame);
  }

  /** Closes without calling the `close` handler: the caller already knows why. */
  close(code = 1000, reason = ''): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    try {
      this.#socket.close(code, reason);
    } catch {
      // Closing a socket that is still CONNECTING throws in some runtimes; it is gone either way.
    }
  }

  #detach(): void {
    this.#socket.onopen = null;
    this.#socket.onmessage = null;
    this.#socket.onclose = null;
    // Keep an error listener: `ws` throws an unhandled 'error' when a socket closed while still
    // connecting has none.
    this.#socket.onerror = () => {};
  }
}

/**
 * @module transports/http-stream-transport
 * The Transport of one HTTP streaming response: Server-Sent Events (`text/event-stream`, each
 * transport message one event) or a chunked response of newline-separated JSON frames. The
 * client sends its commands by POST to the emulation endpoint (transports/http-streams).
 */
import type { ServerResponse } from 'node:http';
import { jsonCodec, shouldReconnect, type Codec, type Frame } from '@relais/protocol';
import type { Transport, TransportInfo } from '../transport.js';

/** The two streaming shapes: SSE, or newline-delimited JSON. */
export type StreamKind = 'sse' | 'http_stream';

/** One transport message as an SSE event: every line of it a `data:` line. */
export function sseEvent(text: string, event?: string): string {
  const head = event === undefined ? '' : `event: ${event}\n`;
  return `${head}data: ${text.replaceAll('\n', '\ndata: ')}\n\n`;
}

/** The last frame written and its wrapping, per kind: a fan-out writes one frame to many streams. */
let lastFrame: Frame | undefined;
let lastKind: StreamKind | undefined;
let lastWrapped = '';

/** `frame` as one SSE event or one line of an HTTP stream, wrapped once per fan-out. */
export function wrapped(frame: Frame, kind: StreamKind): string {
  if (frame === lastFrame && kind === lastKind) return lastWrapped;
  const text = typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8');
  lastFrame = frame;
  lastKind = kind;
  lastWrapped = kind === 'sse' ? sseEvent(text) : `${text}\n`;
  return lastWrapped;
}

export class HttpStreamTransport implements Transport {
  readonly codec: Codec = jsonCodec;
  readonly info: TransportInfo;
  readonly #res: ServerResponse;
  readonly #kind: StreamKind;
  #closed = false;

  constructor(res: ServerResponse, kind: StreamKind, info: TransportInfo) {
    this.#res = res;
    this.#kind = kind;
    this.info = info;
  }

  get bufferedBytes(): number {
    return this.#res.writableLength;
  }

  /** Whether the stream ended (closed by the node, or by the peer). */
  get closed(): boolean {
    return this.#closed || this.#res.destroyed;
  }

  write(frame: Frame): void {
    if (this.closed) throw new Error('the stream is closed');
    this.#res.write(wrapped(frame, this.#kind));
  }

  /**
   * Ends the stream after a `disconnect` push with the code and reason: an HTTP response has no
   * close code of its own, so the client reads them there (protocol.md §1, HTTP transports).
   */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.#closed = true;
    const push = this.codec.encode({ type: 'disconnect', code, reason, reconnect: shouldReconnect(code) }) as string;
    this.#res.end(this.#kind === 'sse' ? sseEvent(push) : `${push}\n`);
  }
}

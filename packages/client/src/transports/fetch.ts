/**
 * @module transports/fetch
 * The parts of `fetch` and `EventSource` the HTTP transports use; the global ones fit, and
 * tests or other runtimes inject their own.
 */

export interface ResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<ResponseLike>;

type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface EventSourceLike {
  onmessage: Handler<{ data: string }> | null;
  onerror: Handler<unknown> | null;
  addEventListener(type: string, listener: Handler<{ data: string }>): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string) => EventSourceLike;

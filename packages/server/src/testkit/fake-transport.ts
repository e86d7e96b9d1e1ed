/**
 * @module testkit/fake-transport
 * FakeTransport: an in-memory Transport that records frames, for session tests without sockets.
 */
import { jsonCodec, type Codec, type Frame } from '@relais/protocol';
import type { Transport, TransportInfo } from '../transport.js';

export interface FakeTransportOptions {
  /** @default jsonCodec */
  codec?: Codec;
  info?: Partial<TransportInfo>;
}

export class FakeTransport implements Transport {
  readonly codec: Codec;
  readonly info: TransportInfo;
  /** Every transport message written, in order. */
  readonly frames: Frame[] = [];
  /** Bytes the fake claims are still buffered; set it to simulate a slow peer. */
  bufferedBytes = 0;
  /** The close the session asked for, once it did. */
  closed: { code: number; reason: string } | undefined;
  #writeError: Error | undefined;

  constructor(options: FakeTransportOptions = {}) {
    this.codec = options.codec ?? jsonCodec;
    this.info = { name: 'fake', headers: {}, ...options.info };
  }

  /** Makes every later write throw `error` (until `failWrites(undefined)`). */
  failWrites(error: Error | undefined = new Error('write failed')): void {
    this.#writeError = error;
  }

  write(frame: Frame): void {
    if (this.#writeError) throw this.#writeError;
    if (this.closed) throw new Error('FakeTransport: write after close');
    this.frames.push(frame);
  }

  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }

  /** Every value written (replies and pushes), decoded, in order. */
  values(): Record<string, unknown>[] {
    return this.frames.flatMap((frame) => this.codec.decode(frame)) as Record<string, unknown>[];
  }

  /** The reply to command `id`, if written. */
  reply(id: number): Record<string, unknown> | undefined {
    return this.values().find((value) => value.id === id);
  }

  /** Pushes written (values without an id), optionally of one type. */
  pushes(type?: string): Record<string, unknown>[] {
    return this.values().filter((value) => value.id === undefined && (type === undefined || value.type === type));
  }
}

/** Lets pending promise callbacks and queued microtasks (coalesced writes) run. */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/**
 * @module transports/long-poll-transport
 * The Transport of a long-polling session: frames wait in a queue until the client's next poll
 * takes them (at once when some are queued, else as soon as one arrives, else empty after
 * the poll's wait). The client's commands come by the emulation POST, as for HTTP streams.
 */
import { jsonCodec, shouldReconnect, type Codec, type Frame } from '@relais/protocol';
import { frameBytes, type Transport, type TransportInfo } from '../transport.js';

/** What one poll answers: newline-separated frames ('' for none), and whether the session ended. */
export interface PollAnswer {
  frames: string;
  ended: boolean;
}

export class LongPollTransport implements Transport {
  readonly codec: Codec = jsonCodec;
  readonly info: TransportInfo;
  #queue: string[] = [];
  #bytes = 0;
  #closed = false;
  #waiting: { answer: (value: PollAnswer) => void; timer: ReturnType<typeof setTimeout> } | undefined;

  constructor(info: TransportInfo) {
    this.info = info;
  }

  /** Bytes queued for the next poll (the slow-consumer bound applies to them). */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Whether the session ended and its last frames were taken. */
  get finished(): boolean {
    return this.#closed && this.#queue.length === 0;
  }

  write(frame: Frame): void {
    if (this.#closed) throw new Error('the session is closed');
    const text = typeof frame === 'string' ? frame : Buffer.from(frame).toString('utf8');
    this.#queue.push(text);
    // frameBytes measures a fan-out's frame once for all its subscribers.
    this.#bytes += frameBytes(text) + 1;
    this.#wake();
  }

  /** Queues a `disconnect` push with the code and reason: the next poll takes it, and the session is over. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#queue.push(this.codec.encode({ type: 'disconnect', code, reason, reconnect: shouldReconnect(code) }) as string);
    this.#closed = true;
    this.#wake();
  }

  /**
   * The client polls: resolves with what is queued, or waits up to `waitMs` for something. A
   * poll made while another waits answers the earlier one empty (one poll at a time).
   */
  poll(waitMs: number): Promise<PollAnswer> {
    this.#answerWaiting();
    if (this.#queue.length > 0 || waitMs <= 0) return Promise.resolve(this.#take());
    return new Promise((answer) => {
      const timer = setTimeout(() => this.#answerWaiting(), waitMs);
      timer.unref?.();
      this.#waiting = { answer, timer };
    });
  }

  /** Puts back what a poll took but could not deliver (its request was gone): the next poll takes it. */
  giveBack(answer: PollAnswer): void {
    if (answer.frames === '') return;
    this.#queue.unshift(answer.frames);
    this.#bytes += Buffer.byteLength(answer.frames) + 1;
  }

  /** Answers a waiting poll with what is queued (empty when nothing is). */
  #answerWaiting(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#waiting = undefined;
    clearTimeout(waiting.timer);
    waiting.answer(this.#take());
  }

  #wake(): void {
    // Frames queued in one turn go out in one answer.
    if (this.#waiting) queueMicrotask(() => this.#answerWaiting());
  }

  #take(): PollAnswer {
    const frames = this.#queue.join('\n');
    this.#queue = [];
    this.#bytes = 0;
    return { frames, ended: this.#closed };
  }
}

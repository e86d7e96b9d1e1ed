/**
 * @module cli/bench-group
 * A group of `relais bench` subscribers: their connections, one DeliveryBook and the errors
 * they meet. The SubscriberGroup role is what the run sees; LocalGroup plays it in this thread,
 * the worker of bench-worker.ts runs one LocalGroup per thread behind a WorkerGroup.
 */
import { performance } from 'node:perf_hooks';
import { Client, type ClientOptions } from '@relais/client';
import { benchClientOptions, benchNow, pool, subscribed, type BenchBody, type BenchClientArgs } from './bench-clients.js';
import { DeliveryBook, type DeliveryTake } from './bench-ledger.js';
import { BenchErrors, type BenchErrorsSnapshot } from './bench-report.js';

/** What one group opens. Plain data: it is a worker's workerData. */
export interface GroupPlan {
  args: BenchClientArgs;
  channelNames: string[];
  /** The channel (index in channelNames) of each subscriber of the group. */
  channels: number[];
  /** Connections opened at the same time. */
  concurrency: number;
  /** No connection starts later than this after open(), in ms. */
  rampMs: number;
}

export interface GroupTake extends DeliveryTake {
  /** Errors met since the last take. */
  errors: number;
}

export interface GroupEnd {
  take: GroupTake;
  /** Per channel, how many of the group's subscribers got each publication index. */
  counts: Uint32Array[];
  errors: BenchErrorsSnapshot;
}

/** The run's view of a group of subscribers, wherever they run. */
export interface SubscriberGroup {
  /** Opens and subscribes every subscriber; resolves with how many are subscribed. */
  open(): Promise<number>;
  /** What arrived since the last take. */
  take(): Promise<GroupTake>;
  /** Closes every connection; what arrived since the last take, and the totals. */
  close(): Promise<GroupEnd>;
}

/** A group in this thread. */
export class LocalGroup implements SubscriberGroup {
  readonly #plan: GroupPlan;
  readonly #book: DeliveryBook;
  readonly #errors = new BenchErrors();
  readonly #clients: Client[] = [];
  #reported = 0;
  #running = true;

  constructor(plan: GroupPlan) {
    this.#plan = plan;
    this.#book = new DeliveryBook(plan.channelNames.length);
  }

  async open(): Promise<number> {
    const options = await benchClientOptions(this.#plan.args);
    const deadline = performance.now() + this.#plan.rampMs;
    let connected = 0;
    await pool(this.#plan.channels.length, this.#plan.concurrency, async (i) => {
      if (performance.now() > deadline) {
        this.#errors.add('connect', `not opened: the ramp took longer than ${this.#plan.rampMs / 1000} s`);
        return;
      }
      if (await this.#subscriber(this.#plan.channels[i]!, options)) connected++;
    });
    return connected;
  }

  async #subscriber(channel: number, options: ClientOptions): Promise<boolean> {
    const client = new Client(this.#plan.args.url, options);
    this.#clients.push(client);
    const sub = client.subscribe<BenchBody>(this.#plan.channelNames[channel]!);
    const who = this.#book.subscriber(channel);
    sub.on('publication', ({ data }) => this.#book.deliver(who, data.k, benchNow() - data.t));
    watchDisconnects(client, this.#errors, () => this.#running);
    client.connect();
    const failure = await subscribed(client, sub);
    if (failure) this.#errors.add(failure.kind, failure.why);
    return failure === undefined;
  }

  async take(): Promise<GroupTake> {
    const errors = this.#errors.total - this.#reported;
    this.#reported = this.#errors.total;
    return { ...this.#book.take(), errors };
  }

  async close(): Promise<GroupEnd> {
    this.#running = false;
    for (const client of this.#clients) client.close();
    return { take: await this.take(), counts: this.#book.counts(), errors: this.#errors.snapshot() };
  }
}

/** Counts a connection lost while `running()` as a disconnect error. */
export function watchDisconnects(client: Client, errors: BenchErrors, running: () => boolean): void {
  let up = false;
  client.on('state', (change) => {
    if (change.state === 'connected') up = true;
    else if (up && change.state === 'disconnected' && running()) {
      up = false;
      errors.add('disconnect', change.error ?? change.reason ?? 'disconnected');
    }
  });
}

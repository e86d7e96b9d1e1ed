/**
 * @module cli/bench
 * `relais bench <url>`: opens subscriber connections with @relais/client (any transport and
 * encoding it has) in this thread or in `--workers` threads, publishes at a fixed rate from
 * extra connections in this thread, and reports what arrived (BenchLedger) and how fast.
 * Publications carry the generator's clock (benchNow); latency is read by the subscriber.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Client } from '@relais/client';
import type { BenchArgs } from './bench-args.js';
import { benchClientOptions, benchNow, type BenchBody } from './bench-clients.js';
import { LocalGroup, watchDisconnects, type GroupPlan, type SubscriberGroup } from './bench-group.js';
import { BenchLedger, summarize } from './bench-ledger.js';
import { BenchErrors, formatBench, formatProgress, type BenchResult } from './bench-report.js';
import { BenchWorkerError, WorkerGroup } from './bench-workers.js';

/** Connections opened at the same time while ramping up, per group. */
export const BENCH_CONNECT_CONCURRENCY = 64;
/** No connection starts later than this after the first: the ramp is bounded too. */
export const BENCH_MAX_RAMP_MS = 60_000;
/** Publications a publisher has in flight at most (a node queues 1,024 commands per connection). */
export const BENCH_MAX_INFLIGHT_PER_PUBLISHER = 1_000;
const TICK_MS = 5;
const TAKE_MS = 100;
const PROGRESS_MS = 1_000;

export interface BenchIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Subscriber i goes to group i % workers; subscribers fill channels in order. */
function plans(args: BenchArgs, channelNames: string[]): GroupPlan[] {
  const groups = Math.min(args.workers, args.connections);
  const channels: number[][] = Array.from({ length: groups }, () => []);
  for (let i = 0; i < args.connections; i++) channels[i % groups]!.push(Math.floor(i / args.subscribersPerChannel));
  const { url, transport, encoding, token } = args;
  return channels.map((members) => ({
    args: { url, transport, encoding, token },
    channelNames,
    channels: members,
    concurrency: BENCH_CONNECT_CONCURRENCY,
    rampMs: BENCH_MAX_RAMP_MS,
  }));
}

class BenchRun {
  readonly ledger: BenchLedger;
  readonly errors = new BenchErrors();
  readonly publishers: Client[] = [];
  readonly channelNames: string[];
  readonly groups: SubscriberGroup[];
  groupErrors = 0;
  #running = true;
  #taking: Promise<void> = Promise.resolve();
  /** The first failure of a group (a worker that died): the run stops and close() throws it. */
  #failure: unknown;

  constructor(readonly args: BenchArgs) {
    const run = randomBytes(4).toString('hex');
    this.channelNames = Array.from({ length: args.channels }, (_, c) => `${args.channelPrefix}${run}-${c}`);
    const subscribers = this.channelNames.map((_, c) =>
      Math.min(args.subscribersPerChannel, args.connections - c * args.subscribersPerChannel),
    );
    this.ledger = new BenchLedger(subscribers);
    const groupPlans = plans(args, this.channelNames);
    this.groups = groupPlans.map((plan) => (args.workers > 1 ? new WorkerGroup(plan) : new LocalGroup(plan)));
  }

  async openPublishers(): Promise<void> {
    const options = await benchClientOptions(this.args);
    await Promise.all(
      Array.from({ length: this.args.publishers }, async () => {
        const client = new Client(this.args.url, options);
        watchDisconnects(client, this.errors, () => this.#running);
        client.connect();
        try {
          await client.ready();
          this.publishers.push(client);
        } catch (error) {
          client.close();
          this.errors.add('connect', error);
        }
      }),
    );
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Adds what every group gathered since the last take. Never rejects: a failure stops the run. */
  take(): Promise<void> {
    this.#taking = this.#taking
      .then(async () => {
        if (this.failed) return;
        for (const take of await Promise.all(this.groups.map((group) => group.take()))) {
          this.ledger.add(take);
          this.groupErrors += take.errors;
        }
      })
      .catch((error: unknown) => {
        this.#failure ??= error;
      });
    return this.#taking;
  }

  /**
   * Publishes rate × duration publications, evenly over the duration; resolves when the last one
   * is sent, with the time it took.
   */
  async publish(progress: (elapsedMs: number) => void): Promise<number> {
    const { ratePerSecond, durationMs, channels, payloadBytes } = this.args;
    const publishers = this.publishers;
    const padding = payloadBytes > 0 ? 'x'.repeat(payloadBytes) : undefined;
    const inflight = new Array<number>(publishers.length).fill(0);
    const total = Math.round((ratePerSecond * durationMs) / 1000);
    const start = performance.now();
    let nextProgress = PROGRESS_MS;
    let nextTake = TAKE_MS;
    for (;;) {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((ratePerSecond * elapsed) / 1000));
      while (this.ledger.sent < due) {
        const channel = this.ledger.sent % channels;
        const p = channel % publishers.length;
        if (inflight[p]! >= BENCH_MAX_INFLIGHT_PER_PUBLISHER) break; // the generator falls behind: it shows in the rate
        const index = this.ledger.send(channel);
        const body: BenchBody = { t: benchNow(), k: index };
        if (padding !== undefined) body.p = padding;
        inflight[p]!++;
        publishers[p]!.publish(this.channelNames[channel]!, body).then(
          () => {
            inflight[p]!--;
            this.ledger.settle(channel, index, true);
          },
          (error: unknown) => {
            inflight[p]!--;
            this.ledger.settle(channel, index, false);
            this.errors.add('publish', error);
          },
        );
      }
      if (elapsed >= nextTake) {
        void this.take();
        nextTake += TAKE_MS;
      }
      if (elapsed >= nextProgress) {
        await this.take();
        progress(elapsed);
        nextProgress += PROGRESS_MS;
      }
      // Behind schedule (publishers at their in-flight cap) the run still ends on time.
      if (this.ledger.sent >= total || elapsed >= durationMs + this.args.drainMs || this.failed) break;
      await sleep(TICK_MS);
    }
    return performance.now() - start;
  }

  /** Waits until every publication is settled and delivered, or `drainMs` passed. */
  async drain(): Promise<void> {
    const until = performance.now() + this.args.drainMs;
    for (;;) {
      await this.take();
      if (this.ledger.complete || this.failed || performance.now() >= until) return;
      await sleep(TICK_MS * 4);
    }
  }

  /** Closes every connection and merges the groups' totals. */
  async close(): Promise<void> {
    this.#running = false;
    for (const client of this.publishers) client.close();
    await this.#taking;
    const ends = await Promise.allSettled(this.groups.map((group) => group.close()));
    const counts: Uint32Array[][] = [];
    for (const end of ends) {
      if (end.status === 'rejected') continue;
      this.ledger.add(end.value.take);
      this.errors.absorb(end.value.errors);
      counts.push(end.value.counts);
    }
    this.ledger.merge(counts);
    const failed = ends.find((end) => end.status === 'rejected');
    if (this.#failure !== undefined) throw this.#failure;
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
}

/** Runs the load; resolves with what was measured. Throws UsageError for an unusable setup. */
export async function bench(args: BenchArgs, io: BenchIo): Promise<BenchResult> {
  await benchClientOptions(args); // a transport this runtime lacks fails here, before any thread starts
  const run = new BenchRun(args);
  let connected = 0;
  let connectMs = 0;
  let publishedMs = 0;
  let lastDeliveryAt = 0;
  const publishStart = { at: 0 };
  try {
    const connectStart = performance.now();
    connected = (await Promise.all(run.groups.map((group) => group.open()))).reduce((a, b) => a + b, 0);
    await run.openPublishers();
    connectMs = performance.now() - connectStart;
    io.err(
      `relais bench: ${connected}/${args.connections} subscribers (${run.groups.length} ${run.groups.length === 1 ? 'thread' : 'worker threads'}) ` +
        `and ${run.publishers.length}/${args.publishers} publishers connected in ${(connectMs / 1000).toFixed(2)} s\n`,
    );
    if (connected > 0 && run.publishers.length === args.publishers) {
      let windowFrom = 0;
      let lastDelivered = 0;
      publishStart.at = performance.now();
      publishedMs = await run.publish((elapsed) => {
        const window = summarize(run.ledger.latencies(windowFrom));
        windowFrom = run.ledger.samples;
        const errors = run.errors.total + run.groupErrors;
        io.err(formatProgress(elapsed, run.ledger, run.ledger.delivered - lastDelivered, window, errors));
        lastDelivered = run.ledger.delivered;
      });
      await run.drain();
      lastDeliveryAt = performance.now();
    }
  } finally {
    await run.close();
  }
  // Deliveries over the time from the first publication to the end of the drain (or the moment
  // all had arrived, which ends it).
  const deliveringMs = Math.max(0, lastDeliveryAt - publishStart.at);
  return result(args, run, connected, connectMs, publishedMs, deliveringMs);
}

function result(
  args: BenchArgs,
  run: BenchRun,
  connected: number,
  connectMs: number,
  publishedMs: number,
  deliveringMs: number,
): BenchResult {
  const { ledger, errors } = run;
  const perSecond = (count: number, ms: number): number => (ms > 0 ? Math.round((count * 1000) / ms) : 0);
  const ok =
    connected === args.connections && errors.total === 0 && ledger.missing === 0 && ledger.duplicated === 0 && ledger.pending === 0;
  return {
    url: args.url,
    transport: args.transport,
    encoding: args.encoding,
    connections: args.connections,
    channels: args.channels,
    subscribersPerChannel: args.subscribersPerChannel,
    publishers: args.publishers,
    workers: run.groups.length,
    ratePerSecond: args.ratePerSecond,
    durationMs: args.durationMs,
    payloadBytes: args.payloadBytes,
    connected,
    connectMs: Math.round(connectMs),
    published: ledger.sent,
    accepted: ledger.accepted,
    failed: ledger.failed,
    unsettled: ledger.pending,
    publishedPerSecond: perSecond(ledger.sent, publishedMs),
    expected: ledger.expected,
    delivered: ledger.delivered,
    missing: ledger.missing,
    duplicated: ledger.duplicated,
    deliveriesPerSecond: perSecond(ledger.delivered, deliveringMs),
    latencyMs: summarize(ledger.latencies()),
    errors: errors.counts(),
    errorMessages: errors.messages(),
    ok,
  };
}

/** Runs `relais bench`; prints the result; resolves with the exit code (0 clean, 1 not). */
export async function runBench(args: BenchArgs, io: BenchIo): Promise<number> {
  let outcome: BenchResult;
  try {
    outcome = await bench(args, io);
  } catch (error) {
    if (!(error instanceof BenchWorkerError)) throw error;
    io.err(`relais: ${error.message}\n`);
    return 1;
  }
  io.out(args.json ? `${JSON.stringify(outcome)}\n` : formatBench(outcome));
  return outcome.ok ? 0 : 1;
}

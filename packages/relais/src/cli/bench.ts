/**
 * @module cli/bench
 * `relais bench <url>`: opens subscriber connections with @relais/client (any transport and
 * encoding it has), publishes at a fixed rate from extra connections, and reports what arrived
 * (BenchLedger) and how fast. Every connection lives in this process, so the publisher's stamp
 * and the subscriber's clock are the same `performance.now()`.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { Client, type ClientOptions, type EventSourceConstructor, type Subscription } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import { UsageError } from './args.js';
import type { BenchArgs } from './bench-args.js';
import { BenchLedger, summarize } from './bench-ledger.js';
import { BenchErrors, formatBench, formatProgress, type BenchResult } from './bench-report.js';

/** Connections opened at the same time while ramping up. */
export const BENCH_CONNECT_CONCURRENCY = 64;
/** No connection starts later than this after the first: the ramp is bounded too. */
export const BENCH_MAX_RAMP_MS = 60_000;
/** Publications a publisher has in flight at most (a node queues 1,024 commands per connection). */
export const BENCH_MAX_INFLIGHT_PER_PUBLISHER = 1_000;
const TICK_MS = 5;
const PROGRESS_MS = 1_000;

export interface BenchIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

interface Body {
  /** `performance.now()` of the publishing process when sent. */
  t: number;
  /** Index of the publication in its channel. */
  k: number;
  p?: string;
}

const silent = { debug() {}, error() {} };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function eventSource(): Promise<EventSourceConstructor> {
  const global = (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
  if (global) return global;
  try {
    const module = (await import('eventsource')) as unknown as { EventSource: EventSourceConstructor };
    return module.EventSource;
  } catch {
    throw new UsageError('--transport sse needs an EventSource: this Node has none; install the eventsource package');
  }
}

async function clientOptions(args: BenchArgs): Promise<ClientOptions> {
  const options: ClientOptions = {
    websocket: WebSocket as unknown as ClientOptions['websocket'],
    transports: [args.transport],
    encoding: args.encoding === 'msgpack' ? msgpack : 'json',
    // A bench counts a lost connection as an error rather than hiding it behind a reconnect.
    maxReconnectAttempts: 0,
    window: null,
    document: null,
    logger: silent,
  };
  if (args.token !== undefined) options.token = args.token;
  if (args.transport === 'sse') options.EventSource = await eventSource();
  return options;
}

type Failure = { kind: 'connect' | 'subscribe'; why: unknown };

/** Resolves once `sub` is subscribed (undefined) or with why it failed for good. */
function subscribed(client: Client, sub: Subscription<Body>): Promise<Failure | undefined> {
  return new Promise((resolve) => {
    const offs = [
      sub.on('state', (change) => {
        if (change.state === 'subscribed') done(undefined);
        else if (change.state === 'unsubscribed') done({ kind: 'subscribe', why: change.error ?? change.reason ?? 'unsubscribed' });
      }),
      client.on('state', (change) => {
        if (change.state === 'closed' || (change.state === 'disconnected' && change.nextRetryAt === undefined)) {
          done({ kind: 'connect', why: change.error ?? change.reason ?? change.state });
        }
      }),
    ];
    function done(failure: Failure | undefined): void {
      for (const off of offs) off();
      resolve(failure);
    }
  });
}

/** Runs `work(i)` for i in [0, count), `concurrency` at a time. */
async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(count, concurrency) }, async () => {
    while (next < count) await work(next++);
  });
  await Promise.all(lanes);
}

class BenchRun {
  readonly ledger: BenchLedger;
  readonly errors = new BenchErrors();
  readonly clients: Client[] = [];
  readonly channelNames: string[];
  connected = 0;
  #running = true;
  lastDeliveryAt = 0;

  constructor(
    readonly args: BenchArgs,
    readonly options: ClientOptions,
  ) {
    const run = randomBytes(4).toString('hex');
    this.channelNames = Array.from({ length: args.channels }, (_, c) => `${args.channelPrefix}${run}-${c}`);
    const subscribers = this.channelNames.map((_, c) =>
      Math.min(args.subscribersPerChannel, args.connections - c * args.subscribersPerChannel),
    );
    this.ledger = new BenchLedger(subscribers);
  }

  /** A client whose errors and (while the run lasts) lost connections are counted. */
  #client(): Client {
    const client = new Client(this.args.url, this.options);
    this.clients.push(client);
    let up = false;
    client.on('state', (change) => {
      if (change.state === 'connected') up = true;
      else if (up && change.state === 'disconnected' && this.#running) {
        up = false;
        this.errors.add('disconnect', change.error ?? change.reason ?? 'disconnected');
      }
    });
    return client;
  }

  async subscriber(i: number, deadline: number): Promise<void> {
    if (performance.now() > deadline) {
      this.errors.add('connect', `not opened: the ramp took longer than ${BENCH_MAX_RAMP_MS / 1000} s`);
      return;
    }
    const channel = Math.floor(i / this.args.subscribersPerChannel);
    const client = this.#client();
    const sub = client.subscribe<Body>(this.channelNames[channel]!);
    const who = this.ledger.subscriber(channel);
    sub.on('publication', ({ data }) => {
      const at = performance.now();
      this.lastDeliveryAt = at;
      this.ledger.deliver(who, data.k, at - data.t);
    });
    client.connect();
    const failure = await subscribed(client, sub);
    if (failure) this.errors.add(failure.kind, failure.why);
    else this.connected++;
  }

  async publisher(): Promise<Client | undefined> {
    const client = this.#client();
    client.connect();
    try {
      await client.ready();
      return client;
    } catch (error) {
      this.errors.add('connect', error);
      return undefined;
    }
  }

  /**
   * Publishes rate × duration publications, evenly over the duration; resolves when the last one
   * is sent, with the time it took.
   */
  async publish(publishers: Client[], progress: (elapsedMs: number) => void): Promise<number> {
    const { ratePerSecond, durationMs, channels, payloadBytes } = this.args;
    const padding = payloadBytes > 0 ? 'x'.repeat(payloadBytes) : undefined;
    const inflight = new Array<number>(publishers.length).fill(0);
    const total = Math.round((ratePerSecond * durationMs) / 1000);
    const start = performance.now();
    let nextProgress = PROGRESS_MS;
    for (;;) {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((ratePerSecond * elapsed) / 1000));
      while (this.ledger.sent < due) {
        const channel = this.ledger.sent % channels;
        const p = channel % publishers.length;
        if (inflight[p]! >= BENCH_MAX_INFLIGHT_PER_PUBLISHER) break; // the generator falls behind: it shows in the rate
        const index = this.ledger.send(channel);
        const body: Body = { t: performance.now(), k: index };
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
      if (elapsed >= nextProgress) {
        progress(elapsed);
        nextProgress += PROGRESS_MS;
      }
      // Behind schedule (publishers at their in-flight cap) the run still ends on time.
      if (this.ledger.sent >= total || elapsed >= durationMs + this.args.drainMs) break;
      await sleep(TICK_MS);
    }
    return performance.now() - start;
  }

  /** Waits until every publication is settled and delivered, or `drainMs` passed. */
  async drain(): Promise<void> {
    const until = performance.now() + this.args.drainMs;
    while (!this.ledger.complete && performance.now() < until) await sleep(TICK_MS);
  }

  close(): void {
    this.#running = false;
    for (const client of this.clients) client.close();
  }
}

/** Runs the load; resolves with what was measured. Throws UsageError for an unusable setup. */
export async function bench(args: BenchArgs, io: BenchIo): Promise<BenchResult> {
  const run = new BenchRun(args, await clientOptions(args));
  try {
    const connectStart = performance.now();
    const deadline = connectStart + BENCH_MAX_RAMP_MS;
    await pool(args.connections, BENCH_CONNECT_CONCURRENCY, (i) => run.subscriber(i, deadline));
    const publishers = (await Promise.all(Array.from({ length: args.publishers }, () => run.publisher()))).filter(
      (client): client is Client => client !== undefined,
    );
    const connectMs = performance.now() - connectStart;
    io.err(
      `relais bench: ${run.connected}/${args.connections} subscribers and ${publishers.length}/${args.publishers} publishers connected in ${(connectMs / 1000).toFixed(2)} s\n`,
    );
    let publishedMs = 0;
    let windowFrom = 0;
    let lastDelivered = 0;
    const publishStart = performance.now();
    if (run.connected > 0 && publishers.length === args.publishers) {
      publishedMs = await run.publish(publishers, (elapsed) => {
        const window = summarize(run.ledger.latencies(windowFrom));
        windowFrom = run.ledger.samples;
        io.err(formatProgress(elapsed, run.ledger, run.ledger.delivered - lastDelivered, window, run.errors.total));
        lastDelivered = run.ledger.delivered;
      });
      await run.drain();
    }
    const deliveringMs = Math.max(0, run.lastDeliveryAt - publishStart);
    return result(args, run, connectMs, publishedMs, deliveringMs);
  } finally {
    run.close();
  }
}

function result(args: BenchArgs, run: BenchRun, connectMs: number, publishedMs: number, deliveringMs: number): BenchResult {
  const { ledger, errors } = run;
  const perSecond = (count: number, ms: number): number => (ms > 0 ? Math.round((count * 1000) / ms) : 0);
  const ok =
    run.connected === args.connections && errors.total === 0 && ledger.missing === 0 && ledger.duplicated === 0 && ledger.pending === 0;
  return {
    url: args.url,
    transport: args.transport,
    encoding: args.encoding,
    connections: args.connections,
    channels: args.channels,
    subscribersPerChannel: args.subscribersPerChannel,
    publishers: args.publishers,
    ratePerSecond: args.ratePerSecond,
    durationMs: args.durationMs,
    payloadBytes: args.payloadBytes,
    connected: run.connected,
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
  const outcome = await bench(args, io);
  io.out(args.json ? `${JSON.stringify(outcome)}\n` : formatBench(outcome));
  return outcome.ok ? 0 : 1;
}

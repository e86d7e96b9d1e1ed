/**
 * @module bench/window
 * One measured window of a publish load, and the orchestrator's calls to the processes it
 * measures. Every call made while measuring is bounded by MEASURE_TIMEOUT_MS: a server or load
 * generator that stops answering makes the window reject with a NoAnswerError (the caller
 * records a failed repetition and kills the processes) instead of holding the run.
 */
import { monoMs } from './lib/histogram.mjs';
import { NoAnswerError, call } from './lib/ipc.mjs';
import { CONNECT_TIMEOUT_MS, MEASURE_TIMEOUT_MS } from './lib/failures.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `call` bounded by MEASURE_TIMEOUT_MS. */
export const ask = (child, cmd, args = {}) => call(child, cmd, args, MEASURE_TIMEOUT_MS);

/**
 * The measurement calls to a variant's server processes, summed over them. `redisCpuUs`, for
 * a variant on Redis, samples the CPU time (µs) of the Redis the harness does not run:
 * usage() then has it as `redisCpuUs`, bounded like the rest.
 */
export function serverGroup(servers, redisCpuUs) {
  return {
    async usage() {
      const [list, redis] = await Promise.all([
        Promise.all(servers.map((server) => ask(server, 'usage'))),
        redisCpuUs && bounded(redisCpuUs(), 'Redis CPU sample'),
      ]);
      return { ...sumUsage(list), ...(redis === undefined ? {} : { redisCpuUs: redis }) };
    },
    async gc() {
      return sumUsage(await Promise.all(servers.map((server) => ask(server, 'gc'))));
    },
    async resetLoop() {
      await Promise.all(servers.map((server) => ask(server, 'resetLoop')));
    },
  };
}

/** `promise`, or a NoAnswerError after MEASURE_TIMEOUT_MS. */
async function bounded(promise, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new NoAnswerError(`${what}: no answer within ${MEASURE_TIMEOUT_MS} ms`)), MEASURE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function sumUsage(list) {
  const total = { cpuUs: 0, systemUs: 0, rss: 0, heapUsed: 0, loopMaxMs: 0, gcMaxMs: 0, gcTotalMs: 0, gcMaxKind: '' };
  for (const usage of list) {
    total.cpuUs += usage.cpuUs;
    total.systemUs += usage.systemUs;
    total.rss += usage.rss;
    total.heapUsed += usage.heapUsed;
    total.loopMaxMs = Math.max(total.loopMaxMs, usage.loopMaxMs);
    total.gcTotalMs += usage.gcTotalMs ?? 0;
    if ((usage.gcMaxMs ?? 0) > total.gcMaxMs) {
      total.gcMaxMs = usage.gcMaxMs;
      total.gcMaxKind = usage.gcMaxKind;
    }
  }
  return total;
}

/**
 * Opens `clients` subscribers in a load generator (ctx.loadgen()); throws if any failed.
 * `slow`: they stop reading once ready (bench/loadgen.mjs).
 */
export async function connectClients(ctx, subs, clients, channels, { slow = false } = {}) {
  const args = { protocol: ctx.protocol, ports: ctx.ports, clients, channels, slow };
  const connected = await call(subs, 'connect', args, CONNECT_TIMEOUT_MS);
  if (connected.failed > 0) throw new Error(`${ctx.name}: ${connected.failed} of ${clients} clients failed: ${connected.firstError}`);
  return connected;
}

/** Opens `clients` subscribers spread over `channels`, and one publisher on the first node. */
export async function setUp(ctx, clients, channels) {
  const subs = await ctx.loadgen();
  const connected = await connectClients(ctx, subs, clients, channels);
  const pub = await ctx.loadgen();
  await call(pub, 'connectPublisher', { protocol: ctx.protocol, port: ctx.ports[0] }, CONNECT_TIMEOUT_MS);
  return { subs, pub, connected };
}

/**
 * Publishes at `rate` (msg/s, round-robin over `channels`) for `warmupMs`, then measures for
 * `measureMs`. Keep-up = deliveries received / deliveries the target rate asks for.
 */
export async function window(ctx, { subs, pub }, { rate, clients, channels, warmupMs, measureMs }) {
  await ask(pub, 'publishStart', { rate, channels });
  await sleep(warmupMs);
  await ask(subs, 'reset');
  await ctx.resetLoop();
  const before = await ctx.usage();
  const startedAt = monoMs();
  await sleep(measureMs);
  const after = await ctx.usage();
  const seconds = (monoMs() - startedAt) / 1000;
  const report = await ask(subs, 'report');
  await ask(pub, 'publishStop');
  const expected = rate * (clients / channels) * seconds;
  const redisUs = after.redisCpuUs === undefined ? undefined : after.redisCpuUs - before.redisCpuUs;
  return {
    cpuUsPerDelivery: report.received ? (after.cpuUs - before.cpuUs) / report.received : undefined,
    kernelShare: (after.systemUs - before.systemUs) / (after.cpuUs - before.cpuUs),
    serverCpuPct: ((after.cpuUs - before.cpuUs) / (seconds * 1e6)) * 100,
    deliveriesPerSec: report.received / seconds,
    keepUp: report.received / expected,
    p50: report.latency.p50,
    p95: report.latency.p95,
    p99: report.latency.p99,
    maxMs: report.latency.max,
    dropped: report.dropped,
    loopMaxMs: after.loopMaxMs,
    // The collector's pauses in the window: a loop stall of the same length is a GC pause.
    gcMaxMs: after.gcMaxMs,
    gcTotalMs: after.gcTotalMs,
    heapMB: after.heapUsed / 2 ** 20,
    rssMB: after.rss / 2 ** 20,
    // Redis is not part of "server CPU": it runs outside the harness, on either core.
    ...(redisUs === undefined
      ? {}
      : {
          redisCpuUsPerDelivery: report.received ? redisUs / report.received : undefined,
          redisCpuPct: (redisUs / (seconds * 1e6)) * 100,
        }),
  };
}

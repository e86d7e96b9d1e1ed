/**
 * @module bench/scenarios
 * The measurements. Each `run*` function measures one variant once and returns plain numbers;
 * the orchestrator (run.mjs) interleaves variants inside each repetition.
 *
 * Server CPU per delivery = the server processes' CPU time (user + system, process.cpuUsage)
 * during the window / deliveries the subscribers received in that window.
 */
import { readFileSync } from 'node:fs';
import { monoMs } from './lib/histogram.mjs';
import { call } from './lib/ipc.mjs';
import { LOAD_CORE, SERVER_CORE, spawn, stop } from './lib/procs.mjs';
import { VARIANTS } from './servers/index.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a variant's server process(es) on the server core; `fn(ctx)`; stops everything. */
export async function withVariant(name, options, fn) {
  const variant = VARIANTS[name];
  const execArgv = ['--expose-gc'];
  if (options.cpuProf && name.startsWith('relais')) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profDir}`);
  const servers = [];
  const loads = [];
  try {
    for (let node = 0; node < variant.nodes; node++) {
      servers.push((await spawn('server-main.mjs', [name, String(node)], { core: SERVER_CORE, execArgv })).child);
    }
    const ports = await Promise.all(servers.map((server) => call(server, 'port')));
    const ctx = {
      name,
      protocol: variant.protocol,
      ports,
      servers,
      async loadgen() {
        const { child } = await spawn('loadgen.mjs', [], { core: LOAD_CORE });
        loads.push(child);
        return child;
      },
      async usage() {
        const all = await Promise.all(servers.map((server) => call(server, 'usage')));
        return sumUsage(all);
      },
      async gc() {
        return sumUsage(await Promise.all(servers.map((server) => call(server, 'gc'))));
      },
      async resetLoop() {
        await Promise.all(servers.map((server) => call(server, 'resetLoop')));
      },
    };
    return await fn(ctx);
  } finally {
    await Promise.all(loads.map((child) => stop(child, 'close')));
    await Promise.all(servers.map((child) => stop(child, 'stop')));
  }
}

function sumUsage(list) {
  const total = { cpuUs: 0, systemUs: 0, rss: 0, heapUsed: 0, loopMaxMs: 0 };
  for (const usage of list) {
    total.cpuUs += usage.cpuUs;
    total.systemUs += usage.systemUs;
    total.rss += usage.rss;
    total.heapUsed += usage.heapUsed;
    total.loopMaxMs = Math.max(total.loopMaxMs, usage.loopMaxMs);
  }
  return total;
}

/** Opens `clients` subscribers spread over `channels`, and one publisher. */
async function setUp(ctx, clients, channels) {
  const subs = await ctx.loadgen();
  const connected = await call(subs, 'connect', { protocol: ctx.protocol, ports: ctx.ports, clients, channels });
  if (connected.failed > 0) throw new Error(`${ctx.name}: ${connected.failed} of ${clients} clients failed: ${connected.firstError}`);
  const pub = await ctx.loadgen();
  await call(pub, 'connectPublisher', { protocol: ctx.protocol, port: ctx.ports[0] });
  return { subs, pub, connected };
}

/**
 * Publishes at `rate` (msg/s, round-robin over `channels`) for `warmupMs`, then measures for
 * `measureMs`. Keep-up = deliveries received / deliveries the target rate asks for.
 */
async function window(ctx, { subs, pub }, { rate, clients, channels, warmupMs, measureMs }) {
  await call(pub, 'publishStart', { rate, channels });
  await sleep(warmupMs);
  await call(subs, 'reset');
  await ctx.resetLoop();
  const before = await ctx.usage();
  const startedAt = monoMs();
  await sleep(measureMs);
  const after = await ctx.usage();
  const seconds = (monoMs() - startedAt) / 1000;
  const report = await call(subs, 'report');
  await call(pub, 'publishStop');
  const expected = rate * (clients / channels) * seconds;
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
    rssMB: after.rss / 2 ** 20,
  };
}

export async function runFanout(ctx, { clients, rate, channels = 1, warmupMs, measureMs }) {
  const load = await setUp(ctx, clients, channels);
  return window(ctx, load, { rate, clients, channels, warmupMs, measureMs });
}

/**
 * Highest rate at `clients` subscribers (one channel) with p99 < 100 ms and keep-up >= 0.97.
 * Each probe is a fresh server and fresh clients, so an overloaded probe leaves no backlog to
 * the next. The rate doubles from `start` until a probe fails (or reaches `high`), then
 * bisects (geometric midpoint) for the remaining probes.
 */
export async function runMaxRate(name, options, { clients, start, high, steps, warmupMs, measureMs }) {
  const probes = [];
  let low;
  let failed;
  let rate = start;
  for (let step = 0; step < steps; step++) {
    const result = await withVariant(name, options, async (ctx) => {
      const load = await setUp(ctx, clients, 1);
      return window(ctx, load, { rate, clients, channels: 1, warmupMs, measureMs });
    });
    // Up to two publications short of the target counts as keeping up: at a few msg/s the
    // window holds only a handful of them and its edges alone would fail a pure ratio.
    const perPublication = clients;
    const expected = result.deliveriesPerSec / result.keepUp * (measureMs / 1000);
    const keptUp = result.keepUp >= 0.97 || expected * (1 - result.keepUp) <= 2 * perPublication;
    const ok = result.p99 !== undefined && result.p99 < 100 && keptUp && result.dropped === 0;
    probes.push(`${rate}${ok ? '✓' : '✗'}`);
    if (options.verbose) console.log(`  probe ${name} ${rate}/s: p99=${result.p99} keepUp=${result.keepUp.toFixed(3)} dropped=${result.dropped}`);
    if (ok) low = rate;
    else failed = rate;
    if (ok && failed === undefined) {
      if (rate >= high) break;
      rate = Math.min(high, rate * 2);
    } else {
      rate = Math.round(Math.sqrt((low ?? rate / 4) * failed));
      if (rate === low || rate === failed) break;
    }
  }
  return { maxRate: low ?? 0, probes: probes.join(' ') };
}

/** Idle memory at `clients` (connected and subscribed, after GC) and connections/s to `timedClients`. */
export async function runIdle(ctx, { clients, timedClients, channels }) {
  const base = await ctx.gc();
  const subs = await ctx.loadgen();
  const before = await ctx.usage();
  const timed = await call(subs, 'connect', { protocol: ctx.protocol, ports: ctx.ports, clients: timedClients, channels });
  const connected = await ctx.usage();
  const rest = await call(subs, 'connect', { protocol: ctx.protocol, ports: ctx.ports, clients: clients - timedClients, channels });
  const failed = timed.failed + rest.failed;
  if (failed > 0) throw new Error(`${ctx.name}: ${failed} clients failed: ${timed.firstError ?? rest.firstError}`);
  await sleep(1_000);
  const after = await ctx.gc();
  return {
    connPerSec: timedClients / (timed.ms / 1000),
    cpuUsPerConn: (connected.cpuUs - before.cpuUs) / timedClients,
    rssKBPerConn: (after.rss - base.rss) / 1024 / clients,
    heapKBPerConn: (after.heapUsed - base.heapUsed) / 1024 / clients,
  };
}

/** Sequential request/response round trips through the real client library. */
export async function runRpc(ctx, { warmup, calls }) {
  const { child } = await spawn('rpc-client.mjs', [], { core: LOAD_CORE });
  try {
    const protocol = ctx.protocol;
    const result = await call(child, 'roundTrips', { protocol, port: ctx.ports[0], warmup, calls });
    return { p50: result.p50, p99: result.p99 };
  } finally {
    await stop(child, 'close');
  }
}

/**
 * Overload: publishes far above what subscribers can read for `durationMs`, sampling server
 * memory and how long the server takes to answer (an answer later than 1 s counts as a 1 s+
 * stall). Afterwards it waits at most 10 s for the server to answer again; everything is
 * then stopped, so a server that never recovers costs the run 10 s, not its backlog.
 */
export async function runOverload(ctx, { clients, rate, durationMs }) {
  const load = await setUp(ctx, clients, 1);
  await ctx.resetLoop();
  await call(load.pub, 'publishStart', { rate, channels: 1 });
  const started = monoMs();
  let peakRss = 0;
  let slowestAnswerMs = 0;
  while (monoMs() - started < durationMs) {
    const asked = monoMs();
    const usage = await withTimeout(ctx.usage(), 1_000);
    slowestAnswerMs = Math.max(slowestAnswerMs, monoMs() - asked);
    if (usage) peakRss = Math.max(peakRss, usage.rss);
    else await withTimeout(ctx.usage(), Math.max(0, durationMs - (monoMs() - started)));
    await sleep(250);
  }
  const { sent } = await call(load.pub, 'publishStop');
  const seconds = (monoMs() - started) / 1000;
  const report = await withTimeout(call(load.subs, 'report'), 10_000);
  const asked = monoMs();
  const after = await withTimeout(ctx.usage(), 10_000);
  slowestAnswerMs = Math.max(slowestAnswerMs, monoMs() - asked);
  // The kernel's high-water mark: right even when a stalled server missed the samples.
  const peakRssKB = ctx.servers.reduce((sum, server) => sum + peakRssOf(server.pid), 0);
  return {
    peakRssMB: Math.max(peakRss / 2 ** 20, peakRssKB / 1024),
    loopMaxMs: after?.loopMaxMs,
    slowestAnswerMs,
    publishedPerSec: sent / seconds,
    deliveredPerSec: report ? report.received / seconds : undefined,
    droppedClients: report?.dropped,
    p99: report?.latency.p99,
  };
}

/** VmHWM (peak resident set, KB) of a live process, from /proc; 0 where unavailable. */
function peakRssOf(pid) {
  try {
    return Number(/VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `promise`'s value, or undefined when it takes longer than `ms`. */
async function withTimeout(promise, ms) {
  let timer;
  const expired = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
  }
}

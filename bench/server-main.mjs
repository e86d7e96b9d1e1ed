/**
 * @module bench/server-main
 * One server variant in its own process: `node --expose-gc server-main.mjs <variant> [node] [options JSON]`.
 * Answers the orchestrator over IPC: its CPU time (process.cpuUsage: user + system of all
 * threads), memory (after a full GC on request), the event loop's longest stall, and the
 * garbage collector's pauses since the last `resetLoop` (longest, total, and the kind of the
 * longest), so that a latency tail can be matched with the pause that caused it.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { serve } from './lib/ipc.mjs';
import { EXTRA_VARIANTS, VARIANTS } from './servers/index.mjs';

const name = process.argv[2];
const variant = VARIANTS[name] ?? EXTRA_VARIANTS[name];
if (!variant) throw new Error(`unknown variant ${name}`);
// argv[4]: the scenario's options for the server, as JSON (e.g. `{"history":true}`).
const extra = process.argv[4] === undefined ? {} : JSON.parse(process.argv[4]);
const server = await variant.start({ ...extra, port: 0, node: Number(process.argv[3] ?? 0) });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};
const gc = { maxMs: 0, totalMs: 0, count: 0, maxKind: '' };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.count++;
    gc.totalMs += entry.duration;
    if (entry.duration > gc.maxMs) {
      gc.maxMs = entry.duration;
      gc.maxKind = GC_KINDS[entry.detail?.kind] ?? String(entry.detail?.kind);
    }
  }
}).observe({ entryTypes: ['gc'] });

function usage() {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    userUs: cpu.user,
    systemUs: cpu.system,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    loopMaxMs: loop.max / 1e6,
    gcMaxMs: gc.maxMs,
    gcTotalMs: gc.totalMs,
    gcCount: gc.count,
    gcMaxKind: gc.maxKind,
  };
}

serve({
  port: () => server.port,
  usage: () => usage(),
  resetLoop: () => {
    // Under --trace-gc (BENCH_SERVER_FLAGS), marks where the measured window starts in its log.
    if (process.execArgv.includes('--trace-gc')) console.log(`[${process.pid}] ${Math.round(performance.now())} ms: window starts`);
    loop.reset();
    Object.assign(gc, { maxMs: 0, totalMs: 0, count: 0, maxKind: '' });
  },
  gc: async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return usage();
  },
  stop: async () => {
    // A node that spreads its closes (drainWindowMs) gets that long on top.
    await Promise.race([server.close(), new Promise((resolve) => setTimeout(resolve, 3000 + (variant.drainWindowMs ?? 0)))]);
    setImmediate(() => process.exit(0));
  },
});
process.send?.({ ready: true, port: server.port });

/**
 * @module bench/server-main
 * One server variant in its own process: `node --expose-gc server-main.mjs <variant> [node] [options JSON]`.
 * Answers the orchestrator over IPC: its CPU time (process.cpuUsage: user + system of all
 * threads), memory (after a full GC on request) and the event loop's longest stall.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
  };
}

serve({
  port: () => server.port,
  usage: () => usage(),
  resetLoop: () => loop.reset(),
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

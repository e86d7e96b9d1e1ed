/**
 * @module bench/scenarios
 * The measurements. Each `run*` function measures one variant once and returns plain numbers;
 * the orchestrator (run.mjs) interleaves variants inside each repetition.
 *
 * Server CPU per delivery = the server processes' CPU time (user + system, process.cpuUsage)
 * during the window / deliveries the subscribers received in that window.
 */
import { attempt } from './lib/failures.mjs';
import { LOAD_CORE, SERVER_CORE, spawn, stop } from './lib/procs.mjs';
import { call } from './lib/ipc.mjs';
import { searchMaxRate } from './maxrate.mjs';
import { redisCpuUs } from './lib/redis.mjs';
import { VARIANTS } from './servers/index.mjs';
import { ask, connectClients, serverGroup, setUp, sleep, window } from './window.mjs';

/**
 * Starts a variant's server process(es) on the server core; `fn(ctx)`; stops everything.
 * When `fn` fails (a process stopped answering), the processes are killed at once rather than
 * asked to close: a stuck process would not answer that either.
 */
export async function withVariant(name, options, fn) {
  const variant = VARIANTS[name];
  // BENCH_SERVER_FLAGS: extra Node flags for the server processes, e.g. `--trace-gc`.
  const execArgv = ['--expose-gc', ...(process.env.BENCH_SERVER_FLAGS?.split(' ').filter(Boolean) ?? [])];
  if (options.cpuProf && name.startsWith('relais')) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profDir}`);
  const servers = [];
  const loads = [];
  let graceMs = 5_000;
  // Options of the scenario for the server (e.g. history for recovery), passed as JSON.
  const serverArgs = (node) => [name, String(node), ...(options.serverOptions ? [JSON.stringify(options.serverOptions)] : [])];
  const startNode = async (node) => (await spawn('server-main.mjs', serverArgs(node), { core: SERVER_CORE, execArgv })).child;
  try {
    for (let node = 0; node < (options.nodes ?? variant.nodes); node++) servers.push(await startNode(node));
    const ports = await Promise.all(servers.map((server) => ask(server, 'port')));
    const ctx = {
      name,
      protocol: variant.protocol,
      ports,
      servers,
      ...serverGroup(servers, variant.redis ? () => redisCpuUs() : undefined),
      async loadgen(script = 'loadgen.mjs') {
        const { child } = await spawn(script, [], { core: LOAD_CORE });
        loads.push(child);
        return child;
      },
      /** Stops node `node` gracefully (its own close(): relais sends 3001 to every client) and starts a new one in its place; resolves with the new port. */
      async restart(node) {
        await stop(servers[node], 'stop', graceMs + (variant.drainWindowMs ?? 0));
        servers[node] = await startNode(node);
        ports[node] = await ask(servers[node], 'port');
        return ports[node];
      },
    };
    return await fn(ctx);
  } catch (error) {
    graceMs = 0;
    throw error;
  } finally {
    await Promise.all(loads.map((child) => stop(child, 'close', graceMs)));
    await Promise.all(servers.map((child) => stop(child, 'stop', graceMs)));
  }
}

export async function runFanout(ctx, { clients, rate, channels = 1, warmupMs, measureMs }) {
  const load = await setUp(ctx, clients, channels);
  return window(ctx, load, { rate, clients, channels, warmupMs, measureMs });
}

/**
 * Highest rate at `clients` subscribers (one channel) with p99 < 100 ms and keep-up >= 0.97
 * (bench/maxrate.mjs). Each probe is a fresh server and fresh clients, so an overloaded probe
 * leaves no backlog to the next; a probe whose processes stop answering fails, and is killed.
 */
export async function runMaxRate(name, options, plan) {
  const { clients, warmupMs, measureMs } = plan;
  const probe = async (rate) => {
    const result = await attempt(() =>
      withVariant(name, options, async (ctx) => {
        const load = await setUp(ctx, clients, 1);
        return window(ctx, load, { rate, clients, channels: 1, warmupMs, measureMs });
      }),
    );
    if (result.failed && !options.verbose) console.log(`  probe ${name} ${rate}/s ${result.failed}: ${result.error}`);
    return result;
  };
  return searchMaxRate(probe, plan, options.verbose ? (line) => console.log(`  probe ${name} ${line}`) : undefined);
}

/** Idle memory at `clients` (connected and subscribed, after GC) and connections/s to `timedClients`. */
export async function runIdle(ctx, { clients, timedClients, channels }) {
  const base = await ctx.gc();
  const subs = await ctx.loadgen();
  const before = await ctx.usage();
  const timed = await connectClients(ctx, subs, timedClients, channels);
  const connected = await ctx.usage();
  if (clients > timedClients) await connectClients(ctx, subs, clients - timedClients, channels);
  await sleep(1_000);
  const after = await ctx.gc();
  return {
    connPerSec: timedClients / (timed.ms / 1000),
    cpuUsPerConn: (connected.cpuUs - before.cpuUs) / timedClients,
    kernelUsPerConn: (connected.systemUs - before.systemUs) / timedClients,
    ...(connected.redisCpuUs === undefined ? {} : { redisCpuUsPerConn: (connected.redisCpuUs - before.redisCpuUs) / timedClients }),
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

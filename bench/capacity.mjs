/**
 * @module bench/capacity
 * The idle-capacity scenario (`--scenarios=capacity`): as many idle subscribed connections as
 * the machine allows, up to the plan's count, and what each costs the server in memory.
 *
 * The clients are spread by bench/lib/capacity.mjs over load generator processes (each below
 * its open-file limit) and loopback source addresses 127.0.0.2, 127.0.0.3 … (each below the
 * ephemeral port range); the server listens on 127.0.0.1. Every child's open-file limit is raised
 * by bench/lib/procs.mjs as far as the harness is allowed; the server's limit, read back from
 * /proc, caps the count. Memory is the server's growth after a full GC (before any client, and
 * once all are connected and a second has passed), divided by the clients.
 */
import { CONNECT_TIMEOUT_MS } from './lib/failures.mjs';
import { call } from './lib/ipc.mjs';
import { capacityLayout, fdLimit, kernelLimits } from './lib/capacity.mjs';
import { monoMs } from './lib/histogram.mjs';
import { ask, sleep } from './window.mjs';

/** Connections in flight per load generator while opening. */
const CONCURRENCY = 200;
/** Source addresses used by earlier runs of this process: each run takes fresh ones. */
let addressesUsed = 0;

/**
 * What a capacity run of `requested` clients can open on this machine (the layout, the limits
 * that bound it), from the open-file limits of the variant's first server and of a load
 * generator. Kept in the run's plan, so the page says what the run had.
 */
export function capacityFit(requested, serverPid, loadPid) {
  const kernel = kernelLimits();
  const serverFds = fdLimit(serverPid).soft;
  const loadFds = fdLimit(loadPid).soft;
  const layout = capacityLayout({ requested, serverFds, loadFds, ports: kernel.ephemeralPorts ?? 28_232, firstAddress: addressesUsed });
  addressesUsed += new Set(layout.shards.flat().map((batch) => batch.address)).size;
  return { ...layout, serverFds, loadFds, kernel };
}

/**
 * Opens the clients of `capacityFit` (channels: `channels`), then measures the server's memory
 * per connection after GC. Returns numbers only; `onFit(fit)` receives the layout once.
 */
export async function runCapacity(ctx, { clients: requested, channels }, onFit) {
  const base = await ctx.gc();
  const first = await ctx.loadgen();
  const fit = capacityFit(requested, ctx.servers[0].pid, first.pid);
  onFit?.(fit);
  const loads = [first];
  while (loads.length < fit.shards.length) loads.push(await ctx.loadgen());
  const started = monoMs();
  const opened = await Promise.all(fit.shards.map((shard, i) => openShard(ctx, loads[i], shard, channels)));
  const ms = monoMs() - started;
  await sleep(1_000);
  const after = await ctx.gc();
  const loadMemory = await Promise.all(loads.map((load) => ask(load, 'memory')));
  const open = loadMemory.reduce((sum, memory) => sum + memory.open, 0);
  if (open !== fit.clients) throw new Error(`${ctx.name}: ${open} of ${fit.clients} clients still open after connecting`);
  return {
    clients: fit.clients,
    rssKBPerConn: (after.rss - base.rss) / 1024 / fit.clients,
    heapKBPerConn: (after.heapUsed - base.heapUsed) / 1024 / fit.clients,
    rssMB: after.rss / 2 ** 20,
    heapMB: after.heapUsed / 2 ** 20,
    connPerSec: opened.reduce((sum, count) => sum + count, 0) / (ms / 1000),
    loadRssKBPerConn: loadMemory.reduce((sum, memory) => sum + memory.rss, 0) / 1024 / fit.clients,
  };
}

/** Opens a shard's batches one after the other (one source address each); throws if any client failed. */
async function openShard(ctx, load, shard, channels) {
  let ready = 0;
  for (const { address, clients } of shard) {
    const args = { protocol: ctx.protocol, ports: ctx.ports, clients, channels, concurrency: CONCURRENCY, localAddress: address };
    const result = await call(load, 'connect', args, CONNECT_TIMEOUT_MS * 5);
    if (result.failed > 0)
      throw new Error(
        `${ctx.name}: ${result.failed} of ${clients} clients from ${address} failed (${ready} open before): ${result.firstError}`,
      );
    ready += result.ready;
  }
  return ready;
}

/** Columns of the capacity table (bench/report.mjs). */
export const CAPACITY_COLUMNS = [
  { key: 'clients', title: 'connections', digits: 0 },
  { key: 'rssKBPerConn', title: 'RSS KB / conn', digits: 1 },
  { key: 'heapKBPerConn', title: 'heap KB / conn', digits: 1 },
  { key: 'rssMB', title: 'server RSS MB', digits: 0 },
  { key: 'connPerSec', title: 'connections / s', digits: 0 },
  { key: 'loadRssKBPerConn', title: 'load generator RSS KB / conn', digits: 1 },
];

/** The capacity section's note: what the run had and what bounded it. */
export function capacityNote(plan) {
  const fit = plan?.fit;
  const head =
    'Every client connected and subscribed, as in the idle scenario, from raw-socket load generators on the load core; the server listens on 127.0.0.1 and the clients connect from 127.0.0.2, 127.0.0.3 … (each source address has its own ephemeral ports towards it). Memory is the server\'s growth after a full GC, divided by the connections; "connections / s" is the whole ramp, 200 handshakes in flight per load generator.';
  if (!fit) return head;
  const k = fit.kernel;
  const count = (value) => (value === undefined ? 'unknown' : value === Infinity ? 'unlimited' : value.toLocaleString('en-US'));
  const bound = fit.limitedBy
    ? ` **${count(fit.clients)} of the ${count(plan.clients)} asked for**: capped by ${fit.limitedBy}, which the harness could not raise (prlimit needs CAP_SYS_RESOURCE above the hard limit; the server holds one descriptor per connection).`
    : ` All ${count(plan.clients)} asked for.`;
  const where = fit.shards.map((shard) => shard.map((batch) => `${batch.address}×${count(batch.clients)}`).join(' + ')).join('; ');
  return `${head}${bound} This run: server open-file limit ${count(fit.serverFds)}, load generator ${count(fit.loadFds)}, ${fit.shards.length} load generator process(es) (${where}); kernel: ip_local_port_range ${k.portRange ?? 'unknown'} (${count(k.ephemeralPorts)} ports per source address), fs.nr_open ${count(k.nrOpen)}, fs.file-max ${count(k.fileMax)}, net.core.somaxconn ${count(k.somaxconn)}, nf_conntrack_max ${count(k.conntrackMax)}.`;
}

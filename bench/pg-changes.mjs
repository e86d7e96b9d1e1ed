/**
 * @module bench/pg-changes
 * The Postgres change feed end to end: commit in PostgreSQL → logical replication → relais →
 * SDK subscriber callback. `npm run build && node bench/pg-changes.mjs [--subscribers=1000]
 * [--filters=100] [--rate=200] [--seconds=10] [--changes=20000] [--batch=100] [--no-pin]` (127.0.0.1 only; DATABASE_URL,
 * default the local PostgreSQL with wal_level=logical) runs, on a fresh table, slot and
 * publication of its own (dropped at the end):
 * 1. latency: single-row transactions at `rate`/s for `seconds`, each matching one of the
 *    `filters` distinct filters (`room=eq.k`), so each reaches subscribers/filters subscribers;
 *    p50/p95/p99 of commit-to-callback over every delivery;
 * 2. throughput: `changes` rows in transactions of `batch` rows, written back to back by two
 *    connections, then drained: changes/s = changes / (first write → last delivery), and the
 *    latency of those deliveries (queueing included).
 * The server (relais + feed) runs in its own process pinned to core 0, the subscribers in one
 * process and this writer on core 1 (`--no-pin`: not pinned); PostgreSQL is not pinned. It prints
 * the load average, the server's CPU per change and its event-loop use: on a machine busy with
 * other work the server gets only its share of a core, and the rates show that share.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { monoMs } from './lib/histogram.mjs';
import { call } from './lib/ipc.mjs';
import { LOAD_CORE, SERVER_CORE, killAll, pin, spawn, stop } from './lib/procs.mjs';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')));
const SUBSCRIBERS = Number(args.subscribers ?? 1000);
const FILTERS = Number(args.filters ?? 100);
const RATE = Number(args.rate ?? 200);
const SECONDS = Number(args.seconds ?? 10);
const BATCH = Number(args.batch ?? 100);
const CHANGES = Number(args.changes ?? 20_000);
/** `--no-pin`: leave scheduling to the OS (on a machine shared with other work, a pinned process cannot move off a busy core). */
const PIN = args['no-pin'] === undefined;
const DRAIN_LIMIT_MS = 180_000;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
if (CHANGES % BATCH !== 0) throw new Error('--changes must be a multiple of --batch');
if (SUBSCRIBERS % FILTERS !== 0) throw new Error('--subscribers must be a multiple of --filters (every filter gets as many subscribers)');
const PER_FILTER = SUBSCRIBERS / FILTERS;

const id = randomBytes(4).toString('hex');
const names = { table: `bench_pg_${id}`, slot: `bench_pg_s_${id}`, publication: `bench_pg_p_${id}`, registry: `bench_pg_r_${id}` };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function connect() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  return db;
}

async function waitFor(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Single-row transactions at RATE/s, rooms in turn; resolves with the number written. */
async function paced(db) {
  const total = RATE * SECONDS;
  const started = monoMs();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - monoMs();
    if (wait > 0) await sleep(wait);
    await db.query(`INSERT INTO ${names.table} (room, sent_ms) VALUES ($1, $2)`, [i % FILTERS, monoMs()]);
  }
  return total;
}

/** Transactions of BATCH rows back to back on `db`, every other one of CHANGES / BATCH; resolves with rows written. */
async function flood(db, offset) {
  let rows = 0;
  for (let n = offset; n < CHANGES / BATCH; n += 2) {
    await db.query(`INSERT INTO ${names.table} (room, sent_ms) SELECT (g + $1) % $2, $3 FROM generate_series(1, $4) g`, [
      n * BATCH,
      FILTERS,
      monoMs(),
      BATCH,
    ]);
    rows += BATCH;
  }
  return rows;
}

const cpuMs = (before, after) => (after.user - before.user + after.system - before.system) / 1000;
const fmt = (summary) =>
  `p50 ${summary.p50} ms, p95 ${summary.p95} ms, p99 ${summary.p99} ms, max ${summary.max} ms (${summary.count} deliveries)`;

async function main() {
  if (PIN) pin(process.pid, LOAD_CORE);
  const db = await connect();
  const other = await connect();
  let server;
  let clients;
  try {
    await db.query(`CREATE TABLE ${names.table} (id bigserial PRIMARY KEY, room int NOT NULL, sent_ms float8 NOT NULL)`);
    server = await spawn('pg-changes-server.mjs', [DATABASE_URL, names.table, names.slot, names.publication, names.registry], {
      core: PIN ? SERVER_CORE : undefined,
    });
    clients = await spawn('pg-changes-clients.mjs', [server.ready.port, names.table, SUBSCRIBERS, FILTERS], {
      core: PIN ? LOAD_CORE : undefined,
    });
    await waitFor(async () => (await call(clients.child, 'stats')).subscribed === SUBSCRIBERS, 60_000, 'every subscriber subscribed');
    console.log(`load average before: ${readFileSync('/proc/loadavg', 'utf8').trim()}${PIN ? '' : ' (not pinned)'}`);
    console.log(`${SUBSCRIBERS} subscribers on ${FILTERS} filters (${PER_FILTER} each), table ${names.table}`);

    // 1. Latency at a moderate rate.
    await call(clients.child, 'reset');
    let cpu = await call(server.child, 'cpu');
    const clientCpu = (await call(clients.child, 'stats')).cpu;
    const paceStart = monoMs();
    const written = await paced(db);
    await waitFor(async () => (await call(clients.child, 'stats')).deliveries >= written * PER_FILTER, DRAIN_LIMIT_MS, 'paced deliveries');
    const paceStats = await call(clients.child, 'stats');
    const paceCpu = cpuMs(cpu, await call(server.child, 'cpu'));
    console.log(`latency at ${RATE} changes/s for ${SECONDS} s: ${fmt(paceStats.latency)}`);
    const paceMs = monoMs() - paceStart;
    console.log(
      `  server CPU ${((paceCpu / paceMs) * 100).toFixed(0)} % of a core, subscribers' process ${((cpuMs(clientCpu, paceStats.cpu) / paceMs) * 100).toFixed(0)} %`,
    );

    // 2. Throughput: write as fast as two connections can, then drain.
    await call(clients.child, 'reset');
    cpu = await call(server.child, 'cpu');
    const start = monoMs();
    const rows = (await Promise.all([flood(db, 0), flood(other, 1)])).reduce((a, b) => a + b, 0);
    const wroteMs = monoMs() - start;
    await waitFor(
      async () => {
        const stats = await call(clients.child, 'stats');
        if (stats.disconnects > 0) {
          const soFar = `${stats.deliveries} of ${rows * PER_FILTER} deliveries ${((monoMs() - start) / 1000).toFixed(1)} s after the first write`;
          throw new Error(`${stats.disconnects} subscribers lost their connection (${JSON.stringify(stats.causes)}); ${soFar}`);
        }
        return stats.deliveries >= rows * PER_FILTER;
      },
      DRAIN_LIMIT_MS,
      'flood deliveries',
    );
    const floodStats = await call(clients.child, 'stats');
    const floodCpu = cpuMs(cpu, await call(server.child, 'cpu'));
    const elapsedMs = floodStats.lastAtMs - start;
    console.log(
      `throughput: ${rows} changes committed in ${(wroteMs / 1000).toFixed(1)} s (${Math.round(rows / (wroteMs / 1000))}/s written), ` +
        `all delivered ${(elapsedMs / 1000).toFixed(1)} s after the first write: ` +
        `${Math.round(rows / (elapsedMs / 1000))} changes/s, ${Math.round((rows * PER_FILTER) / (elapsedMs / 1000))} deliveries/s`,
    );
    console.log(`  latency under that load: ${fmt(floodStats.latency)}`);
    console.log(
      `  server CPU ${((floodCpu / elapsedMs) * 100).toFixed(0)} % of a core, ${((floodCpu * 1000) / rows).toFixed(1)} µs per change`,
    );
    const after = await call(server.child, 'cpu');
    console.log(`load average after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
    console.log(
      `  server event loop busy ${(((after.elu.active - cpu.elu.active) / (after.elu.idle + after.elu.active - cpu.elu.idle - cpu.elu.active)) * 100).toFixed(0)} %`,
    );
  } finally {
    if (clients) await stop(clients.child);
    if (server) await stop(server.child);
    killAll();
    await db.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active', [names.slot]);
    await waitFor(
      async () => (await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active', [names.slot])).rows.length === 0,
      10_000,
      'the slot to be released',
    );
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [names.slot]);
    await db.query(`DROP PUBLICATION IF EXISTS ${names.publication}`);
    await db.query(`DROP TABLE IF EXISTS ${names.table}, ${names.registry}`);
    await db.end();
    await other.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

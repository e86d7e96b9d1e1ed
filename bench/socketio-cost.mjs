/**
 * @module bench/socketio-cost
 * relais's Socket.IO front-end against real Socket.IO 4.8 (`socket.io`), in one run, with the
 * same app code (servers/socketio.mjs, servers/relais-socketio.mjs) and the same client
 * (`socket.io-client`, WebSocket transport): `npm run build && node bench/socketio-cost.mjs
 * [connections] [publications] [repetitions] [burst]` starts each server in its own process (pinned to
 * core 0, `--expose-gc`), opens `connections` idle clients that join one room, reads the
 * server's RSS and heap per connection after a full GC, then has one more client emit
 * `publications` events that the server fans out to the room (`io.to(room).emit`), `burst` at a
 * time (default 20: the next burst waits for half the deliveries of this one), and reads the
 * server's CPU per delivery. With `burst` 1 each event waits for half the deliveries of the one
 * before, so a server cannot coalesce the writes of several events to one socket. The servers alternate within each repetition; the medians
 * and the ratios relais / Socket.IO are printed. With `BENCH_CPU_PROF=<dir>` each server
 * process writes a V8 CPU profile there (read it with bench/profile-summary.mjs).
 */
import { io as connect } from 'socket.io-client';
import { call } from './lib/ipc.mjs';
import { LOAD_CORE, SERVER_CORE, killAll, pin, spawn, stop } from './lib/procs.mjs';

const CONNECTIONS = Number(process.argv[2] ?? 1000);
const PUBLICATIONS = Number(process.argv[3] ?? 200);
const REPETITIONS = Number(process.argv[4] ?? 3);
const BURST = Number(process.argv[5] ?? 20);
const ROOM = 'bench';
const SERVERS = [
  ['socketio', 'Socket.IO 4.8'],
  ['relais-socketio', "relais's Socket.IO front-end"],
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One client that joined the room; resolves once connected (the server joins it on connection). */
function client(port, onMessage) {
  const socket = connect(`http://127.0.0.1:${port}`, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    query: { room: ROOM },
  });
  if (onMessage) socket.on('m', onMessage);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

async function measure(variant) {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const { child } = await spawn('server-main.mjs', [variant], { core: SERVER_CORE, execArgv: ['--expose-gc', ...profile] });
  const port = await call(child, 'port');
  const before = await call(child, 'gc');
  let deliveries = 0;
  const sockets = [];
  for (let i = 0; i < CONNECTIONS; i += 50) {
    const batch = Array.from({ length: Math.min(50, CONNECTIONS - i) }, () => client(port, () => deliveries++));
    sockets.push(...(await Promise.all(batch)));
  }
  // Every client is in the room before the idle reading: a marker event reaches them all.
  const publisher = await client(port);
  let probe = 0;
  while (deliveries < CONNECTIONS) {
    publisher.emit('pub', ROOM, { probe: probe++ });
    await sleep(50);
  }
  await sleep(200);
  const idle = await call(child, 'gc');
  deliveries = 0;
  const expected = PUBLICATIONS * CONNECTIONS;
  const cpuBefore = (await call(child, 'usage')).cpuUs;
  for (let n = 0; n < PUBLICATIONS; n++) {
    publisher.emit('pub', ROOM, { n, pad: '0123456789abcdef' });
    // Paced: every BURST events, wait for half of their deliveries.
    if (n % BURST === BURST - 1) while (deliveries < ((n + 1) * CONNECTIONS) / 2) await sleep(1);
  }
  const deadline = Date.now() + 60_000;
  while (deliveries < expected && Date.now() < deadline) await sleep(5);
  const cpuAfter = (await call(child, 'usage')).cpuUs;
  for (const socket of [...sockets, publisher]) socket.disconnect();
  await stop(child, 'stop');
  return {
    rssKB: (idle.rss - before.rss) / 1024 / CONNECTIONS,
    heapKB: (idle.heapUsed - before.heapUsed) / 1024 / CONNECTIONS,
    cpuUsPerDelivery: (cpuAfter - cpuBefore) / Math.max(deliveries, 1),
    delivered: deliveries,
    expected,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

pin(process.pid, LOAD_CORE);
try {
  const runs = Object.fromEntries(SERVERS.map(([variant]) => [variant, []]));
  for (let rep = 0; rep < REPETITIONS; rep++) {
    const order = rep % 2 === 0 ? SERVERS : [...SERVERS].reverse();
    for (const [variant] of order) runs[variant].push(await measure(variant));
  }
  console.log(
    `${CONNECTIONS} idle socket.io-client connections (WebSocket) in one room, then ${PUBLICATIONS} room events in bursts of ${BURST}; ` +
      `server on core ${SERVER_CORE}, ${REPETITIONS} repetitions, medians (min–max)`,
  );
  console.log('server                         RSS KB/conn         heap KB/conn        CPU µs/delivery     delivered');
  const summary = {};
  for (const [variant, label] of SERVERS) {
    const results = runs[variant];
    const cell = (key, digits) => {
      const values = results.map((r) => r[key]);
      return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
    };
    summary[variant] = { rssKB: median(results.map((r) => r.rssKB)), cpu: median(results.map((r) => r.cpuUsPerDelivery)) };
    const delivered = results.map((r) => `${r.delivered}/${r.expected}`).join(' ');
    console.log(
      `${label.padEnd(30)} ${cell('rssKB', 1).padEnd(19)} ${cell('heapKB', 1).padEnd(19)} ${cell('cpuUsPerDelivery', 2).padEnd(19)} ${delivered}`,
    );
  }
  const ours = summary['relais-socketio'];
  const theirs = summary.socketio;
  console.log(
    `relais / Socket.IO: RSS per connection ${(ours.rssKB / theirs.rssKB).toFixed(2)}x (target ≤ 0.6x), ` +
      `CPU per delivery ${(ours.cpu / theirs.cpu).toFixed(2)}x (target ≤ 0.7x)`,
  );
} finally {
  killAll();
}

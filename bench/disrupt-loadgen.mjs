/**
 * @module bench/disrupt-loadgen
 * The load generator of the disruption scenarios (bench/disrupt.mjs), driven over IPC. One
 * process plays either role:
 * - subscribers (bench/lib/disrupt-clients.mjs) that reconnect and recover like their client
 *   library, with a kill loop (`jitterStart`) that destroys each one's TCP connection about every
 *   `intervalMs` and holds it offline; every retry goes to a port of `setPorts` (the balancer);
 * - a publisher that stamps `{"s":seq,"t":monotonic ms}` payloads at a fixed rate and counts the
 *   publications the server acknowledged ("accepted"), reconnecting when its node goes away:
 *   relais publishes through one live node (the engine carries it to the others); Socket.IO,
 *   with no adapter between its nodes here, is sent each publication on every live node.
 * Latencies are receipt − stamp on CLOCK_MONOTONIC, all samples of all clients in one histogram.
 */
import { DisruptedClient } from './lib/disrupt-clients.mjs';
import { deliveryTotals, killPlan, seededRandom } from './lib/disrupt.mjs';
import { Histogram, monoMs } from './lib/histogram.mjs';
import { serve } from './lib/ipc.mjs';
import { RawWebSocket } from './lib/raw-ws.mjs';

const ROOM = 'room:0';
const TICK_MS = 5;

let ports = [];
const clients = [];
const random = seededRandom(1);
const latency = new Histogram();
/** Publications stamped while their client was offline: receipt − stamp, and receipt − max(stamp, reconnect began). */
const replay = new Histogram();
const replayAfterReturn = new Histogram();
/** Reconnects: from losing a connection to subscribed again; and the successful attempt alone. */
const reconnect = new Histogram();
const answer = new Histogram();
const counts = { kills: 0, lost: 0, reconnects: 0, failed: 0, failedAttempts: 0 };
/** Why reconnect attempts failed: close code (1006: no close frame) or error, and how often. */
const attemptFailures = new Map();
let lastPayloadAt = 0;
let jitter;

const pickPort = () => ports[Math.floor(random() * ports.length)];

const hooks = {
  pickPort,
  onPayload(_client, _seq, t, replayFrom) {
    const now = monoMs();
    lastPayloadAt = now;
    const us = (now - t) * 1000;
    latency.record(us);
    if (replayFrom === undefined) return;
    replay.record(us);
    replayAfterReturn.record((now - replayFrom) * 1000);
  },
  onReady(_client, downMs, answerMs) {
    if (downMs === undefined) return;
    counts.reconnects++;
    reconnect.record(downMs * 1000);
    answer.record(answerMs * 1000);
  },
  onLost() {
    counts.lost++;
  },
  onFailed() {
    counts.failed++;
  },
  onAttemptFailed(_client, code, why) {
    counts.failedAttempts++;
    const key = `${code}${why ? ` ${String(why).slice(0, 60)}` : ''}`;
    attemptFailures.set(key, (attemptFailures.get(key) ?? 0) + 1);
  },
};

/** Opens `count` subscribers of ROOM (200 handshakes in flight); resolves when all are ready or failed. */
async function connect({ protocol, csr = false, count, capacity, concurrency = 200 }) {
  const started = monoMs();
  let next = 0;
  async function worker() {
    while (next < count) {
      next++;
      const client = new DisruptedClient({ protocol, room: ROOM, csr, capacity, random, hooks });
      clients.push(client);
      await new Promise((resolve) => {
        const { onReady, onFailed } = hooks;
        client.hooks = { ...hooks, onReady: (...a) => (onReady(...a), resolve()), onFailed: (...a) => (onFailed(...a), resolve()) };
        client.open();
      });
      client.hooks = hooks;
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const ready = clients.filter((client) => client.ready).length;
  return { ms: monoMs() - started, ready, failed: clients.length - ready };
}

/** Kills every client about every `intervalMs` (first kills spread over one interval), holds it offline, reopens it. */
function jitterStart({ intervalMs, spread, minOfflineMs, offlineSpreadMs, seed = 7 }) {
  const plan = killPlan({ intervalMs, spread, minOfflineMs, offlineSpreadMs }, seededRandom(seed));
  const timers = new Set();
  const later = (ms, fn) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };
  jitter = { timers, stopped: false };
  for (const client of clients) {
    const cycle = () => {
      if (jitter.stopped) return;
      if (client.kill()) {
        counts.kills++;
        later(plan.offlineMs(), () => {
          client.open();
          later(plan.nextKillMs(), cycle);
        });
      } else later(500, cycle); // mid-reconnect: try again shortly
    };
    later(plan.firstKillMs(), cycle);
  }
  return {};
}

/** Stops killing; clients held offline are reopened at once. */
function jitterStop() {
  if (!jitter) return {};
  jitter.stopped = true;
  for (const timer of jitter.timers) clearTimeout(timer);
  for (const client of clients) if (client.state === 'killed') client.open();
  return {};
}

/** Waits until every client is ready and nothing arrived for `quietMs`, or `limitMs` passed. */
async function settle({ quietMs = 1_000, limitMs = 30_000 }) {
  const started = monoMs();
  const done = () => clients.every((client) => client.ready) && monoMs() - lastPayloadAt >= quietMs;
  while (!done() && monoMs() - started < limitMs) await new Promise((resolve) => setTimeout(resolve, 50));
  return { ms: monoMs() - started, notReady: clients.filter((client) => !client.ready).length };
}

function report({ accepted }) {
  const totals = deliveryTotals(
    clients.map((client) => client.log),
    accepted,
  );
  const sum = (key) => clients.reduce((total, client) => total + client[key], 0);
  return {
    ...totals,
    ...counts,
    clients: clients.length,
    notReady: clients.filter((client) => !client.ready).length,
    recovered: sum('recovered'),
    droppedByOffset: sum('droppedByOffset'),
    attemptFailures: Object.fromEntries(attemptFailures),
    unrecovered: sum('unrecovered'),
    latency: latency.summary(),
    replay: replay.summary(),
    replayAfterReturn: replayAfterReturn.summary(),
    reconnect: reconnect.summary(),
    answer: answer.summary(),
  };
}

// The publisher role.
let publisher;

/** One publishing connection to `port`; `onAck(seq)` for every publication the server accepted. */
function publishingConnection(protocol, port, onAck, onGone) {
  const conn = { open: false, ws: undefined };
  const relais = protocol === 'relais';
  conn.ws = new RawWebSocket(
    relais ? `ws://127.0.0.1:${port}/connection/websocket` : `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`,
    {
      protocol: relais ? 'relais.v2.json' : undefined,
      onOpen: () => relais && conn.ws.send('{"id":1,"method":"connect","params":{"name":"bench-publisher"}}'),
      onMessage: (text) => {
        for (const line of relais ? text.split('\n') : [text]) {
          if (relais && line.startsWith('{"id":1,"result"')) conn.open = true;
          else if (relais && line.startsWith('{"id":') && line.includes('"result"')) onAck(Number(line.slice(6, line.indexOf(','))) - 10);
          else if (relais && line === '{"type":"ping"}') conn.ws.send('{"id":2,"method":"ping"}');
          else if (!relais && line === '2') conn.ws.send('3');
          else if (!relais && line.startsWith('0{')) conn.ws.send('40');
          else if (!relais && line.startsWith('40')) conn.open = true;
          else if (!relais && line.startsWith('43')) onAck(Number(line.slice(2, line.indexOf('['))) - 10);
        }
      },
      onClose: () => {
        conn.open = false;
        onGone(conn);
      },
    },
  );
  conn.send = (seq, data) =>
    conn.ws.send(
      relais
        ? `{"id":${seq + 10},"method":"publish","params":{"channel":"${ROOM}","data":${data}}}`
        : `42${seq + 10}["pub","${ROOM}",${data}]`,
    );
  return conn;
}

/** Publishes `rate` msg/s until publishStop, numbered 0..capacity-1. */
function publishStart({ protocol, rate, capacity }) {
  const pub = {
    protocol,
    sent: 0,
    accepted: new Uint8Array(capacity),
    conns: new Map(),
    timer: undefined,
    startedAt: monoMs(),
    skipped: 0,
  };
  publisher = pub;
  const ack = (seq) => {
    if (seq >= 0 && seq < capacity) pub.accepted[seq] = 1;
  };
  const gone = (conn) => {
    for (const [port, c] of pub.conns) if (c === conn) pub.conns.delete(port);
  };
  const linkUp = () => {
    const wanted = protocol === 'relais' ? (pub.conns.size ? [] : [pickPort()]) : ports.filter((port) => !pub.conns.has(port));
    for (const port of wanted) pub.conns.set(port, publishingConnection(protocol, port, ack, gone));
  };
  const tick = () => {
    linkUp();
    const due = Math.min(capacity, Math.floor(((monoMs() - pub.startedAt) * rate) / 1000));
    const live = [...pub.conns.values()].filter((conn) => conn.open);
    while (pub.sent < due) {
      const seq = pub.sent++;
      if (live.length === 0) {
        pub.skipped++;
        continue;
      }
      const data = `{"s":${seq},"t":${monoMs().toFixed(3)}}`;
      for (const conn of live) conn.send(seq, data);
    }
    pub.timer = setTimeout(tick, TICK_MS);
  };
  tick();
  return {};
}

/** Stops publishing, waits `graceMs` for the last acks, returns the accepted seqs. */
async function publishStop({ graceMs = 1_000 }) {
  clearTimeout(publisher.timer);
  await new Promise((resolve) => setTimeout(resolve, graceMs));
  const accepted = [];
  publisher.accepted.forEach((flag, seq) => flag && accepted.push(seq));
  for (const conn of publisher.conns.values()) conn.ws.terminate();
  return { sent: publisher.sent, skipped: publisher.skipped, accepted, elapsedMs: monoMs() - publisher.startedAt };
}

serve({
  setPorts: (args) => {
    ports = args.ports;
    return {};
  },
  connect,
  jitterStart,
  jitterStop,
  settle,
  report,
  publishStart,
  publishStop,
  close: async () => {
    for (const client of clients) client.stop();
    setImmediate(() => process.exit(0));
    return {};
  },
});
process.send?.({ ready: true });

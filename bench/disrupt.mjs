/**
 * @module bench/disrupt
 * The disruption scenarios, modelled on the method of AnyCable's Node.js WebSocket benchmark
 * (anycable/nodejs-websocket-bench): TCP connections destroyed rather than closed, offline
 * windows the same for every server, timestamps stamped by the load generator, every raw sample
 * of every client in one histogram (no averaged percentiles). The clients and the publisher are
 * bench/disrupt-loadgen.mjs.
 *
 * - **jitter**: `clients` subscribers of one channel; each one's TCP connection is destroyed about
 *   every `intervalMs` and held offline `minOfflineMs` (+ up to `offlineSpreadMs`), under a steady
 *   `rate` publish stream from a publisher that is never cut. Delivered % and duplicates count the
 *   publications the server accepted. Replay latency is measured for the publications stamped
 *   while the receiving client was offline, two ways: receipt − stamp (it holds the offline
 *   window the benchmark imposes, 2–3 s), and receipt − max(stamp, the moment the client began
 *   to reconnect): what the server and the protocol add once the client is back.
 * - **avalanche**: `clients` subscribers on 2 nodes; under the same kind of stream each node is
 *   restarted in turn (its own graceful close, then a new process), the balancer (the load
 *   generator) taking it out of rotation first. Clients reconnect with their library's backoff to
 *   a live node. Counted: clients never back within `deadlineMs` after the last restart, the
 *   time from losing a connection to being subscribed again, and publications lost.
 */
import { call } from './lib/ipc.mjs';
import { CONNECT_TIMEOUT_MS } from './lib/failures.mjs';
import { ask, sleep } from './window.mjs';

const SCRIPT = 'disrupt-loadgen.mjs';
/** Publications the stream can number (payload `s`), with room to spare. */
const capacityOf = ({ rate, durationMs }) => Math.ceil((rate * durationMs) / 1000) + 1_000;

/** The server options of the disruption scenarios: history to recover from (relais), CSR (variant socketio-csr). */
export const DISRUPT_SERVER_OPTIONS = { history: true };

async function subscribers(ctx, { clients, capacity }) {
  const subs = await ctx.loadgen(SCRIPT);
  await ask(subs, 'setPorts', { ports: ctx.ports });
  const connected = await call(
    subs,
    'connect',
    { protocol: ctx.protocol, csr: ctx.name === 'socketio-csr', count: clients, capacity },
    CONNECT_TIMEOUT_MS,
  );
  if (connected.failed > 0) throw new Error(`${ctx.name}: ${connected.failed} of ${clients} clients failed to connect`);
  return subs;
}

async function publisher(ctx, { rate, capacity }) {
  const pub = await ctx.loadgen(SCRIPT);
  await ask(pub, 'setPorts', { ports: ctx.ports });
  await ask(pub, 'publishStart', { protocol: ctx.protocol, rate, capacity });
  return pub;
}

/** The numbers of a run, from the subscribers' report and the publisher's count. */
function outcome(report, published) {
  return {
    deliveredPct: report.deliveredPct,
    missing: report.missing,
    duplicated: report.duplicates,
    published: published.accepted.length,
    notSent: published.skipped,
    // From the reconnect on (the offline window the benchmark imposes left out): the target's measure.
    replayP50: report.replayAfterReturn.p50,
    replayP99: report.replayAfterReturn.p99,
    replayMax: report.replayAfterReturn.max,
    replaySamples: report.replay.count,
    // From the publisher's stamp: includes the offline window (2–3 s here) itself.
    stampReplayP50: report.replay.p50,
    stampReplayP99: report.replay.p99,
    stampReplayMax: report.replay.max,
    p99: report.latency.p99,
    kills: report.kills,
    droppedByOffset: report.droppedByOffset,
    failedAttempts: report.failedAttempts,
    recovered: report.recovered,
    unrecovered: report.unrecovered,
  };
}

export async function runJitter(ctx, plan) {
  const capacity = capacityOf(plan);
  const subs = await subscribers(ctx, { clients: plan.clients, capacity });
  const pub = await publisher(ctx, { rate: plan.rate, capacity });
  await ask(subs, 'jitterStart', {
    intervalMs: plan.intervalMs,
    spread: plan.spread,
    minOfflineMs: plan.minOfflineMs,
    offlineSpreadMs: plan.offlineSpreadMs,
  });
  await sleep(plan.durationMs);
  await ask(subs, 'jitterStop');
  const published = await ask(pub, 'publishStop', {});
  const settled = await call(subs, 'settle', { limitMs: plan.settleMs }, plan.settleMs + 15_000);
  const report = await ask(subs, 'report', { accepted: published.accepted });
  return { ...outcome(report, published), notBack: settled.notReady };
}

export async function runAvalanche(ctx, plan) {
  const capacity = capacityOf({ rate: plan.rate, durationMs: plan.settleMs * (ctx.ports.length + 2) });
  const subs = await subscribers(ctx, { clients: plan.clients, capacity });
  const pub = await publisher(ctx, { rate: plan.rate, capacity });
  const loads = [subs, pub];
  await sleep(plan.settleMs);
  for (let node = 0; node < ctx.ports.length; node++) {
    // The balancer takes the node out of rotation, then it restarts; it comes back on a new port.
    const live = ctx.ports.filter((_, i) => i !== node);
    await Promise.all(loads.map((load) => ask(load, 'setPorts', { ports: live })));
    await ctx.restart(node);
    await Promise.all(loads.map((load) => ask(load, 'setPorts', { ports: ctx.ports })));
    await sleep(plan.settleMs);
  }
  const settled = await call(subs, 'settle', { limitMs: plan.deadlineMs }, plan.deadlineMs + 15_000);
  const published = await ask(pub, 'publishStop', {});
  await call(subs, 'settle', { limitMs: 5_000 }, 20_000);
  const report = await ask(subs, 'report', { accepted: published.accepted });
  return {
    notBack: settled.notReady,
    dropped: report.lost,
    reconnectP50: report.reconnect.p50,
    reconnectP95: report.reconnect.p95,
    reconnectMax: report.reconnect.max,
    // The successful attempt alone (TCP connect to subscribed): the server's answer under the herd.
    answerP50: report.answer.p50,
    answerP95: report.answer.p95,
    lost: report.missing,
    deliveredPct: report.deliveredPct,
    duplicated: report.duplicates,
    droppedByOffset: report.droppedByOffset,
    published: published.accepted.length,
    notSent: published.skipped,
    failedAttempts: report.failedAttempts,
    attemptFailures: Object.entries(report.attemptFailures)
      .map(([why, count]) => `${why} ×${count}`)
      .join('; '),
    recovered: report.recovered,
    unrecovered: report.unrecovered,
  };
}

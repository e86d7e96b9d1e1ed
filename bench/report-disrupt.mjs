/**
 * @module bench/report-disrupt
 * How docs/benchmarks.md shows the disruption scenarios (bench/disrupt.mjs): their titles,
 * notes, columns and rows of the Targets table. bench/report.mjs renders them with the rest.
 */

const n = (value) => Number(value).toLocaleString('en-US');

export const DISRUPT_TITLES = {
  jitter: 'Delivery under jitter',
  avalanche: 'Deploy avalanche',
};

export const DISRUPT_NOTES = {
  jitter: (plan) => {
    const p = plan.jitter;
    return [
      `Modelled on AnyCable's Node.js WebSocket benchmark. Every subscriber's TCP connection is destroyed (no close frame) about every ${p.intervalMs / 1000} s (± ${p.spread * 100} %, the first kills spread over one interval) and held offline ${p.minOfflineMs / 1000}–${(p.minOfflineMs + p.offlineSpreadMs) / 1000} s, the same seeded schedule for every server, while a publisher that is never cut publishes ${p.rate} msg/s into the channel they all subscribe to.`,
      "The clients then reconnect as their library does: relais with `subscribe` + `since` (its last offset) and the SDK's dropping of offsets it has; Socket.IO with `pid` and `offset` in CONNECT when connectionStateRecovery is on, a fresh connection otherwise.",
      '"delivered" counts, for every client, the publications the server acknowledged; "duplicated" those a client received twice (after the SDK\'s offset check, whose drops are counted apart).',
      'Replay latency is for publications stamped while their client was offline, every raw sample of every client merged: "from reconnect" is receipt − the later of the stamp and the moment the client began to reconnect (what the server and protocol add; the target\'s measure), "from stamp" is receipt − stamp and holds the offline window itself (AnyCable\'s published figures are of this kind).',
      '"recoveries refused" are reconnects the server answered as not recovered. relais (Redis) is 2 nodes, and a client reconnects to either.',
    ].join(' ');
  },
  avalanche: (plan) => {
    const p = plan.avalanche;
    return [
      `${n(p.clients)} subscribers on 2 nodes under a steady ${p.rate} msg/s; each node in turn is taken out of the balancer (the load generator), closed the way it closes on a deploy (relais \`close()\`: every client gets 3001; Socket.IO \`io.close()\`), and replaced by a new process, ${p.settleMs / 1000} s apart.`,
      "Clients reconnect to a live node with their library's default backoff and jitter (relais SDK: uniform in 500 ms … 500 ms × 2^(n+1), at most 20 s; socket.io-client: 1 s × 2^n ± 50 %, at most 5 s; n = 0 for the first retry). The variant with drainWindowMs closes its clients over that window instead of all at once (docs/server.md, Graceful shutdown).",
      `"never back" counts clients not subscribed again ${p.deadlineMs / 1000} s after the last restart; reconnect time is from losing the connection to subscribed again (backoff included), "answer" the successful attempt alone (TCP connect to subscribed); "lost" are acknowledged publications a client never received.`,
      "relais runs on Redis (history in Redis, so a client recovers on the other node). Socket.IO has no adapter between its nodes here (this repository's bench has no Redis adapter): the publisher sends each publication to every live node, and a session recovery cannot cross nodes (its sessions are in the memory of the node that closed), so both Socket.IO variants lose what was published during a reconnect.",
    ].join(' ');
  },
};

export function disruptColumns(kind, plan) {
  if (kind === 'jitter')
    return [
      { key: 'deliveredPct', title: 'delivered %', digits: 2 },
      { key: 'missing', title: 'missing', digits: 0 },
      { key: 'duplicated', title: 'duplicated', digits: 0 },
      { key: 'droppedByOffset', title: 'dropped by offset (SDK)', digits: 0 },
      { key: 'replayP50', title: 'replay p50 ms from reconnect', digits: 0 },
      { key: 'replayP99', title: 'replay p99 ms from reconnect', digits: 0 },
      { key: 'replayMax', title: 'replay max ms from reconnect', digits: 0 },
      { key: 'stampReplayP99', title: 'replay p99 ms from stamp', digits: 0 },
      { key: 'kills', title: 'kills', digits: 0 },
      { key: 'unrecovered', title: 'recoveries refused', digits: 0 },
    ];
  return [
    { key: 'notBack', title: `never back (of ${n(plan.avalanche.clients)})`, digits: 0 },
    { key: 'dropped', title: 'connections dropped', digits: 0 },
    { key: 'reconnectP50', title: 'reconnect p50 ms', digits: 0 },
    { key: 'reconnectP95', title: 'reconnect p95 ms', digits: 0 },
    { key: 'answerP50', title: 'answer p50 ms', digits: 0 },
    { key: 'answerP95', title: 'answer p95 ms', digits: 0 },
    { key: 'lost', title: 'publications lost', digits: 0 },
    { key: 'duplicated', title: 'duplicated', digits: 0 },
    { key: 'deliveredPct', title: 'delivered %', digits: 2 },
  ];
}

export function describeDisrupt(kind, plan) {
  if (kind === 'jitter') {
    const p = plan.jitter;
    return `${n(p.clients)} subscribers, ${p.rate} msg/s for ${p.durationMs / 1000} s`;
  }
  return `${n(plan.avalanche.clients)} clients on 2 nodes, each restarted`;
}

/**
 * Rows of the Targets table (`| target | measured | met |`) for the disruption scenarios of
 * this run; `fmt(value, digits)` formats numbers as the rest of the page does.
 */
export function disruptTargetRows(summaries, fmt) {
  const rows = [];
  const row = (target, value, ok, unit = '') =>
    rows.push(
      `| ${target} | ${value === undefined ? '–' : `${fmt(value, value % 1 ? 2 : 0)}${unit}`} | ${value === undefined ? '–' : ok(value) ? 'met' : 'not met'} |`,
    );
  const jitter = Object.keys(summaries).find((key) => key.startsWith('jitter'));
  for (const [variant, name] of [
    ['relais', 'relais (memory)'],
    ['relais-redis', 'relais (Redis)'],
  ]) {
    const s = jitter && summaries[jitter][variant];
    if (!s) continue;
    row(`Jitter, ${name}: delivered 100 %`, s.deliveredPct?.median, (v) => v === 100, ' %');
    row(`Jitter, ${name}: duplicated 0`, s.duplicated?.median, (v) => v === 0);
    row(`Jitter, ${name}: replay p99 (from reconnect) < 1 s`, s.replayP99?.median, (v) => v < 1000, ' ms');
  }
  const avalanche = Object.keys(summaries).find((key) => key.startsWith('avalanche'));
  const a = avalanche && summaries[avalanche]['relais-redis'];
  if (a) {
    row('Avalanche, relais (Redis): clients never back 0', a.notBack?.median, (v) => v === 0);
    row('Avalanche, relais (Redis): publications lost 0', a.lost?.median, (v) => v === 0);
  }
  return rows;
}

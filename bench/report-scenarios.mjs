/**
 * @module bench/report-scenarios
 * What the report says about each scenario: its title, its note (how to read it), the columns of
 * its table, the one-line description of its load, and the relais / other ratio line under it.
 * The disruption scenarios' share is in bench/report-disrupt.mjs.
 */
import { CAPACITY_COLUMNS, capacityNote } from './capacity.mjs';
import { DISRUPT_NOTES, DISRUPT_TITLES, describeDisrupt, disruptColumns } from './report-disrupt.mjs';
import { fmt, fmtRatio, n, ratio } from './report-summary.mjs';

const FANOUT_COLUMNS = [
  { key: 'cpuUsPerDelivery', title: 'server CPU µs / delivery' },
  { key: 'kernelShare', title: 'kernel share', digits: 2 },
  { key: 'p50', title: 'p50 ms' },
  { key: 'p95', title: 'p95 ms' },
  { key: 'p99', title: 'p99 ms' },
  { key: 'keepUp', title: 'keep-up', digits: 3 },
  { key: 'serverCpuPct', title: 'server core %', digits: 0 },
  { key: 'rssMB', title: 'RSS MB', digits: 0 },
  // Only where a variant runs on Redis (shown when some row has them): not in "server CPU".
  { key: 'redisCpuUsPerDelivery', title: 'Redis CPU µs / delivery', onlyIfMeasured: true },
  { key: 'redisCpuPct', title: 'Redis core %', digits: 0, onlyIfMeasured: true },
];

export const TITLES = {
  fanout: 'Fan-out at a fixed load',
  maxrate: 'Max sustained rate (p99 < 100 ms, keep-up ≥ 0.97)',
  channels: 'Many channels',
  idle: 'Idle connections: memory and connection rate',
  capacity: 'Idle capacity: as many idle connections as the machine allows',
  rpc: 'RPC / ack round trip through the real client libraries',
  overload: 'Overload',
  ...DISRUPT_TITLES,
};

export const NOTES = {
  fanout: 'One publisher, one channel holding every subscriber. "keep-up" is deliveries received / deliveries the target rate asks for.',
  maxrate:
    'Bisection over the publish rate into one channel; the probes column lists each probe (✓ passed, ✗ failed; ✗stalled: the server or load generator stopped answering within 15 s, was killed, and the probe counts as failed). The load generator has one core: near the limit it, not only the server, saturates.',
  channels: 'Subscribers spread evenly over the channels; the publisher publishes round-robin to every channel at the total rate given.',
  idle: "Every client connected and subscribed (relais: `connect` + `subscribe` answered; Socket.IO: namespace connected and room joined; ws: open). Memory is the server's growth after a full GC, divided by the clients. Connections/s counts the first clients until all were ready, 200 handshakes in flight; with the raw-socket load generator the bare ws servers reach several times the rate of relais and Socket.IO, so for those two the server core is the limit, and the server's CPU time per connection (same window) says why.",
  capacity: (plan) => capacityNote(plan.capacity),
  rpc: 'One call at a time: @relais/client `rpc()`, socket.io-client `emitWithAck()`, and a `ws` client matching ids (ws has no acks; both ws variants run the same code, measured once).',
  ...DISRUPT_NOTES,
  overload: (plan) => {
    const slow = slowCount(plan.overload);
    const common =
      'Peak RSS is the kernel\'s high-water mark (VmHWM in /proc/<pid>/status, so a stalled server cannot hide it); "loop max" is the server\'s longest event-loop stall; "slowest answer" is the longest the server took to answer the orchestrator (asked every 250 ms; once publishing stops it gets 10 s, and a dash means no answer within them).';
    if (!slow)
      return `The publisher asks far more than the subscribers can read. ${common} "delivered / s" counts publications, however they were batched into messages; dropped clients are connections the server closed (relais closes slow consumers past maxQueueBytes, 1 MiB by default).`;
    return [
      `The publisher asks far more than the subscribers can read, and ${fmt(plan.overload.slowShare * 100, 0)} % of the subscribers are slow: they stop reading once subscribed (their socket is paused), so once the kernel's socket buffers are full (about 4 MB per connection on this machine) the server's own send queue for them grows.`,
      "relais closes a session whose queue passes maxQueueBytes (1 MiB by default) with 3008. Socket.IO and ws have no such policy: what they write for a slow client stays in their memory (peak RSS), unless they fall so far behind that the backlog waits unread in the publisher's connection instead; what waits in the kernel's socket buffers is in no process's RSS.",
      '"delivered / s to healthy" counts the publications the other subscribers received, however they were batched into messages; "healthy p99" is their latency and "healthy clients closed" those of them the server closed.',
      '"slow clients closed": once publishing stops, the slow clients read again for at most 5 s and count the connections the server had closed (a paused socket sees its close frame only after the data queued before it), with the close codes they received (1006: closed without a close frame).',
      common,
    ].join(' ');
  },
};

/** How many of the overload scenario's subscribers are slow (0 in runs from before slowShare). */
export function slowCount(overloadPlan) {
  return overloadPlan ? Math.round(overloadPlan.clients * (overloadPlan.slowShare ?? 0)) : 0;
}

/** The columns of a scenario's table, without the onlyIfMeasured ones no row has. */
export function columnsFor(scenario, summary, plan) {
  return allColumnsFor(scenario, summary, plan).filter(
    (column) => !column.onlyIfMeasured || Object.values(summary).some((stats) => stats[column.key]?.median !== undefined),
  );
}

function allColumnsFor(scenario, summary, plan) {
  const kind = scenario.split(' ')[0];
  if (kind === 'fanout' || kind === 'channels') return FANOUT_COLUMNS;
  if (kind === 'jitter' || kind === 'avalanche') return disruptColumns(kind, plan);
  if (kind === 'maxrate')
    return [
      { key: 'maxRate', title: 'max msg/s', digits: 0 },
      { key: 'probes', title: 'probes' },
    ];
  if (kind === 'idle')
    return [
      { key: 'rssKBPerConn', title: 'RSS KB / conn', digits: 1 },
      { key: 'heapKBPerConn', title: 'heap KB / conn', digits: 1 },
      { key: 'connPerSec', title: 'connections / s', digits: 0 },
      { key: 'cpuUsPerConn', title: 'server CPU µs / connection', digits: 0 },
      { key: 'kernelUsPerConn', title: 'of which kernel µs', digits: 0, onlyIfMeasured: true },
      { key: 'redisCpuUsPerConn', title: 'Redis CPU µs / connection', digits: 0, onlyIfMeasured: true },
    ];
  if (kind === 'capacity') return CAPACITY_COLUMNS;
  if (kind === 'rpc')
    return [
      { key: 'p50', title: 'p50 ms', digits: 3 },
      { key: 'p99', title: 'p99 ms', digits: 3 },
    ];
  if (kind === 'overload') {
    const slow = slowCount(plan?.overload);
    return [
      { key: 'peakRssMB', title: 'peak RSS MB', digits: 0 },
      { key: 'loopMaxMs', title: 'loop max ms', digits: 0 },
      { key: 'slowestAnswerMs', title: 'slowest answer ms', digits: 0 },
      { key: 'deliveredPerSec', title: slow ? 'delivered / s to healthy' : 'delivered / s', digits: 0 },
      { key: 'p99', title: slow ? 'healthy p99 ms' : 'p99 ms', digits: 0 },
      { key: 'droppedClients', title: slow ? 'healthy clients closed' : 'dropped clients', digits: 0 },
      ...(slow
        ? [
            { key: 'slowClosed', title: `slow clients closed (of ${n(slow)})`, digits: 0 },
            { key: 'slowCloseCodes', title: 'their close codes' },
          ]
        : []),
    ];
  }
  return Object.keys(Object.values(summary)[0] ?? {})
    .filter((key) => key !== 'failures')
    .map((key) => ({ key, title: key }));
}

/** Metrics whose relais / other ratio is worth a line. */
const RATIO_KEYS = new Set([
  'cpuUsPerDelivery',
  'p50',
  'p99',
  'maxRate',
  'rssKBPerConn',
  'heapKBPerConn',
  'connPerSec',
  'cpuUsPerConn',
  'peakRssMB',
  'deliveredPerSec',
]);

export function ratioLines(summary, columns) {
  const lines = [];
  for (const column of columns) {
    if (!RATIO_KEYS.has(column.key)) continue;
    const parts = [];
    for (const [other, name] of [
      ['socketio', 'Socket.IO'],
      ['ws-naive', 'ws naive'],
      ['ws-frame', 'ws frame'],
    ]) {
      const value = ratio(summary, column.key, 'relais', other);
      if (value !== undefined) parts.push(`${fmtRatio(value)} ${name}`);
    }
    if (parts.length) lines.push(`${column.title}: ${parts.join(', ')}`);
  }
  return lines.length ? `\nrelais / others (medians): ${lines.join('; ')}.\n` : '';
}

export function describe(scenario, plan) {
  const [kind, arg = ''] = scenario.split(' ');
  if (kind === 'fanout') {
    const [clients, rate] = arg.split('x');
    return `${n(clients)} subscribers × ${n(rate)} msg/s`;
  }
  if (kind === 'maxrate') return `${n(arg)} subscribers`;
  if (kind === 'channels')
    return `${n(plan.channels.clients)} clients in ${n(plan.channels.channels)} channels, ${n(plan.channels.rate)} msg/s in all`;
  if (kind === 'idle') return `${n(plan.idle.clients)} connections, connection rate to ${n(plan.idle.timedClients)}`;
  if (kind === 'jitter' || kind === 'avalanche') return describeDisrupt(kind, plan);
  if (kind === 'capacity') return `up to ${n(plan.capacity.clients)} connections in ${n(plan.capacity.channels)} channels`;
  if (kind === 'overload') {
    const { clients, rate, durationMs, slowShare, payloadBytes } = plan.overload;
    const slow = slowShare ? ` (${fmt(slowShare * 100, 0)} % of them slow)` : '';
    const size = payloadBytes ? ` of about ${n(payloadBytes)} bytes` : '';
    return `${n(clients)} subscribers${slow} × ${n(rate)} msg/s${size} for ${durationMs / 1000} s`;
  }
  return `${n(plan.rpc.calls)} sequential calls`;
}

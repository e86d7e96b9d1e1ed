/**
 * @module bench/report
 * Turns a run's raw results into docs/benchmarks.md: medians with min–max over the repetitions,
 * ratios relais / Socket.IO and relais / ws computed from those medians (one run, servers
 * interleaved), the targets of the performance goals, versions and machine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { CAPACITY_COLUMNS, capacityNote } from './capacity.mjs';
import { isFailure } from './lib/failures.mjs';
import { DISRUPT_NOTES, DISRUPT_TITLES, describeDisrupt, disruptColumns, disruptTargetRows } from './report-disrupt.mjs';

const require = createRequire(import.meta.url);

function version(pkg) {
  try {
    const file = pkg.startsWith('@relais/')
      ? new URL(`../packages/${pkg.slice('@relais/'.length)}/package.json`, import.meta.url)
      : require.resolve(`${pkg}/package.json`);
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let nproc = String(cpus().length);
  try {
    // --all: the orchestrator pins itself to one core, which plain nproc would report.
    nproc = execFileSync('nproc', ['--all'], { encoding: 'utf8' }).trim();
  } catch {
    // nproc missing: os.cpus() already answered.
  }
  return {
    nproc,
    cpu: model,
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    versions: {
      ws: version('ws'),
      'socket.io': version('socket.io'),
      'socket.io-client': version('socket.io-client'),
      '@relais/server': version('@relais/server'),
      '@relais/redis': version('@relais/redis'),
      ioredis: version('ioredis'),
      bufferutil: version('bufferutil'),
      'utf-8-validate': version('utf-8-validate'),
    },
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * `{variant: {metric: {median, min, max, n, of}}}` for numeric metrics; strings kept as a list.
 * Failed repetitions (bench/lib/failures.mjs) count in `of` but not in the numbers; they are
 * listed under `failures: {kinds, errors}`.
 */
export function summarize(runs) {
  const out = {};
  for (const [variant, all] of Object.entries(runs)) {
    const list = all.filter((result) => !isFailure(result));
    const failed = all.filter(isFailure);
    out[variant] = {};
    const keys = new Set(list.flatMap((result) => Object.keys(result)));
    for (const key of keys) {
      const values = list.map((result) => result[key]);
      const numbers = values.filter((value) => typeof value === 'number' && Number.isFinite(value));
      const strings = values.filter((value) => typeof value === 'string');
      out[variant][key] =
        strings.length > 0
          ? { text: strings.join(' / ') }
          : numbers.length > 0
            ? { median: median(numbers), min: Math.min(...numbers), max: Math.max(...numbers), n: numbers.length, of: all.length }
            : { text: '–' };
    }
    if (failed.length > 0)
      out[variant].failures = {
        kinds: failed.map((result) => result.failed),
        errors: failed.map((result) => result.error),
        of: all.length,
      };
  }
  return out;
}

function fmt(value, digits) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (digits === undefined) digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function fmtRatio(value) {
  return `${value >= 0.1 ? fmt(value, 2) : Number(value.toPrecision(2))}x`;
}

/** "2 stalled" or "1 stalled, 1 exited": the failed repetitions of a variant by kind. */
function failedKinds(failures) {
  const counts = new Map();
  for (const kind of failures.kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
}

function cell(stat, digits, failures) {
  // Every repetition failed: say how, rather than a bare dash.
  if (!stat) return failures ? `– (${failedKinds(failures)})` : '–';
  if (stat.text !== undefined) return stat.text;
  const missing = stat.of > stat.n ? ` [${stat.n} of ${stat.of}${failures ? `; ${failedKinds(failures)}` : ''}]` : '';
  if (stat.n === 1) return `${fmt(stat.median, digits)}${missing}`;
  return `${fmt(stat.median, digits)} (${fmt(stat.min, digits)}–${fmt(stat.max, digits)})${missing}`;
}

function table(summary, variants, columns) {
  const head = `| server | ${columns.map((c) => c.title).join(' | ')} |`;
  const rule = `| --- | ${columns.map(() => '---:').join(' | ')} |`;
  const rows = Object.keys(summary).map(
    (variant) =>
      `| ${variants[variant] ?? variant} | ${columns.map((c) => cell(summary[variant][c.key], c.digits, summary[variant].failures)).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}

/** A line per variant with failed repetitions: why they failed (left out of every median). */
function failureNotes(summary, variants) {
  const lines = Object.entries(summary)
    .filter(([, stats]) => stats.failures)
    .map(
      ([variant, { failures }]) =>
        `- ${variants[variant] ?? variant}, ${failedKinds(failures)} (of ${failures.of}; left out of the medians): ${[...new Set(failures.errors)].join('; ')}`,
    );
  return lines.length
    ? `\nFailed repetitions (a process stopped answering within 15 s, exited, or refused clients; its processes were killed and the run went on):\n\n${lines.join('\n')}`
    : '';
}

function ratio(summary, metric, of, to) {
  const a = summary?.[of]?.[metric]?.median;
  const b = summary?.[to]?.[metric]?.median;
  return a !== undefined && b !== undefined && b !== 0 ? a / b : undefined;
}

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

const TITLES = {
  fanout: 'Fan-out at a fixed load',
  maxrate: 'Max sustained rate (p99 < 100 ms, keep-up ≥ 0.97)',
  channels: 'Many channels',
  idle: 'Idle connections: memory and connection rate',
  capacity: 'Idle capacity: as many idle connections as the machine allows',
  rpc: 'RPC / ack round trip through the real client libraries',
  overload: 'Overload',
  ...DISRUPT_TITLES,
};

const NOTES = {
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
function slowCount(overloadPlan) {
  return overloadPlan ? Math.round(overloadPlan.clients * (overloadPlan.slowShare ?? 0)) : 0;
}

/** The columns of a scenario's table, without the onlyIfMeasured ones no row has. */
function columnsFor(scenario, summary, plan) {
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

/** Targets of the performance goals, checked against this run's medians. */
function targets(summaries) {
  const rows = [];
  const add = (target, value, limit, better) => {
    const met = value === undefined ? '–' : (better === 'lower' ? value <= limit : value >= limit) ? 'met' : 'not met';
    rows.push(`| ${target} | ${value === undefined ? '–' : fmtRatio(value)} | ${met} |`);
  };
  for (const load of ['1000x50', '5000x10']) {
    const s = summaries[`fanout ${load}`];
    add(`CPU / delivery at ${load}: relais / Socket.IO ≤ 0.65x`, ratio(s, 'cpuUsPerDelivery', 'relais', 'socketio'), 0.65, 'lower');
    add(
      `CPU / delivery at ${load}: relais / ws pre-built frame ≤ 1.05x`,
      ratio(s, 'cpuUsPerDelivery', 'relais', 'ws-frame'),
      1.05,
      'lower',
    );
  }
  add(
    'Max rate at 1,000 (p99 < 100 ms): relais / Socket.IO ≥ 3x',
    ratio(summaries['maxrate 1000'], 'maxRate', 'relais', 'socketio'),
    3,
    'higher',
  );
  add('10,000 × 5 msg/s p99: relais / Socket.IO ≤ 0.6x', ratio(summaries['fanout 10000x5'], 'p99', 'relais', 'socketio'), 0.6, 'lower');
  const idle = Object.keys(summaries).find((key) => key.startsWith('idle'));
  add('RSS per idle connection: relais / Socket.IO ≤ 0.55x', ratio(summaries[idle], 'rssKBPerConn', 'relais', 'socketio'), 0.55, 'lower');
  add('Connections/s: relais / Socket.IO ≥ 2x', ratio(summaries[idle], 'connPerSec', 'relais', 'socketio'), 2, 'higher');
  const capacity = Object.keys(summaries).find((key) => key.startsWith('capacity'));
  const held = summaries[capacity]?.relais?.clients?.median;
  if (capacity)
    rows.push(
      `| Idle capacity: relais holds ≥ 100,000 connections | ${held === undefined ? '–' : n(held)} | ${held === undefined ? '–' : held >= 100_000 ? 'met' : 'not met (see the idle capacity section)'} |`,
    );
  add('RPC round trip p50: relais / Socket.IO ack ≤ 1x', ratio(summaries.rpc, 'p50', 'relais', 'socketio'), 1, 'lower');
  rows.push(...disruptTargetRows(summaries, fmt));
  return ['| target | measured | |', '| --- | ---: | --- |', ...rows].join('\n');
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

/** Median user-space µs per delivery: CPU per delivery × (1 − kernel share), per repetition. */
function userUs(runs, variant) {
  const list = runs?.[variant]?.filter((result) => !isFailure(result));
  if (!list?.length) return undefined;
  return median(list.map((r) => r.cpuUsPerDelivery * (1 - r.kernelShare)));
}

/** Reading of the targets: what limits the ones not met, with this run's numbers. */
function limits(summaries, plan, variants) {
  const r = (scenario, metric, a, b) => {
    const value = ratio(summaries[scenario], metric, a, b);
    return value === undefined ? '–' : fmtRatio(value);
  };
  const idle = Object.keys(summaries).find((key) => key.startsWith('idle'));
  const overload = Object.keys(summaries).find((key) => key.startsWith('overload'));
  return [
    '### Reading the targets',
    '',
    `- **CPU per delivery** (${r('fanout 1000x50', 'cpuUsPerDelivery', 'relais', 'socketio')} Socket.IO at 1,000 × 50, ${r('fanout 5000x10', 'cpuUsPerDelivery', 'relais', 'socketio')} at 5,000 × 10; ${r('fanout 1000x50', 'cpuUsPerDelivery', 'relais', 'ws-frame')} and ${r('fanout 5000x10', 'cpuUsPerDelivery', 'relais', 'ws-frame')} the ws server writing one pre-built frame). relais frames a publication once and writes the same bytes to every subscriber, as that ws server does, and every connection with queued frames is flushed by one shared microtask. The table above splits the time: kernel time per delivery is the same for every server within the noise (one write system call per subscriber per message, and on loopback the receiving side of TCP), about three quarters of the total on this machine, so no server can go below it without writing less often. What is left is user space, where relais spends about 1 µs per delivery more than the pre-built-frame ws server (and 2–4 µs less than Socket.IO). Its own fan-out path, measured without sockets by \`node bench/session-cost.mjs\` (1,000 sessions on transports that discard writes), cost 0.13–0.20 µs per delivery over five runs on the day of this run; the rest of the gap was not traced to one function: the \`--cpu-prof\` profile (bench/profile-summary.mjs) shows the socket write and Node's stream machinery around it first, the JavaScript of relais spread thin. Publications at these loads are tens of ms apart, so there is nothing to join into one write per socket; under load relais does join them (see max rate and overload). Socket.IO's ratio at 1,000 × 50 is the one CPU target not met against it; its kernel share is lower because it spends more in user space.`,
    `- **Max sustained rate.** relais passed every probe up to the plan's ceiling of 1,280 msg/s at 1,000 subscribers (${r('maxrate 1000', 'maxRate', 'relais', 'socketio')} Socket.IO is therefore a lower bound), because publications queued for one socket in the same microtask go out as one WebSocket message: the subscribers read a few large messages instead of many small ones. The others write every publication separately and fail near 80–130 msg/s, where the load generator's single core and their own core saturate. At 5,000 subscribers joining no longer helps (one publication per tick), and relais is level with the ws servers.`,
    `- **10,000 × 5 msg/s p99** (${r('fanout 10000x5', 'p99', 'relais', 'socketio')} Socket.IO): Socket.IO fell behind at this size in this run (keep-up above 1 means it delivered backlog from the warm-up), while relais, like the ws servers, kept up; against the pre-built-frame ws server relais is ${r('fanout 10000x5', 'p99', 'relais', 'ws-frame')}. The p99 of one publication to 10,000 sockets is the time to write them all.`,
    `- **RSS per idle connection** (${r(idle, 'rssKBPerConn', 'relais', 'socketio')} Socket.IO; ${r(idle, 'rssKBPerConn', 'relais', 'ws-frame')} bare ws): a relais connection keeps, beyond the WebSocket, its session with one heartbeat timer, its channel set and its rate-limit buckets; the rest is created on first use (docs/server.md, "Memory per connection").`,
    `- **Connections/s** (${r(idle, 'connPerSec', 'relais', 'socketio')} Socket.IO) is bounded by the server core: relais spends ${r(idle, 'cpuUsPerConn', 'relais', 'socketio')} of Socket.IO's CPU per connection but ${r(idle, 'cpuUsPerConn', 'relais', 'ws-frame')} of a bare ws server's, which only does the upgrade. Besides the upgrade, a relais client sends \`connect\` and \`subscribe\` (one inbound message, read and parsed, both replies in one write: two writes per connection against the bare ws server's one and Socket.IO's three, counted with strace) and the session is set up (timer, limits, hub and broker registration, by \`node bench/session-cost.mjs\`). In instructions (\`bench/connect-instructions.mjs\` under callgrind, see the hand-kept connect-path section) relais's user space costs about 1.9x the bare ws server's per connection and 0.6x Socket.IO's. Twice Socket.IO's rate would need about half its CPU per connection, about what the bare ws server spends on the upgrade alone; not reached.`,
    `- **RPC round trip** (${r('rpc', 'p50', 'relais', 'socketio')} Socket.IO at p50): a handler that answers synchronously is answered without a deadline timer, and each command takes one promise reaction.`,
    overload
      ? `- **Overload.** relais delivered ${r(overload, 'deliveredPerSec', 'relais', 'socketio')} as many publications per second as Socket.IO${slowCount(plan.overload) ? ' to the healthy subscribers' : ''} and kept answering, because everything queued for one socket within a microtask goes out as one message; the others write every publication separately and fall behind by seconds.${slowConsumers(summaries[overload], slowCount(plan.overload), variants)}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The overload bullet's sentence on slow consumers: who closed how many, at what peak RSS. */
function slowConsumers(summary, slow, variants) {
  if (!slow || !summary) return '';
  const parts = Object.entries(summary)
    .filter(([, stats]) => stats.slowClosed?.median !== undefined)
    .map(
      ([variant, stats]) =>
        `${variants[variant] ?? variant} closed ${fmt(stats.slowClosed.median, 0)} (peak RSS ${fmt(stats.peakRssMB?.median, 0)} MB)`,
    );
  return parts.length ? ` Of the ${n(slow)} slow subscribers (medians): ${parts.join('; ')}.` : '';
}

/** What limits the CPU targets, from this run's numbers. */
function cpuBreakdown(results) {
  const lines = ['| load | server | CPU µs / delivery | of which user space µs | kernel µs |', '| --- | --- | ---: | ---: | ---: |'];
  for (const load of ['1000x50', '5000x10', '10000x5']) {
    const runs = results[`fanout ${load}`];
    if (!runs) continue;
    for (const variant of Object.keys(runs)) {
      const measured = runs[variant].filter((result) => !isFailure(result));
      if (measured.length === 0) continue;
      const total = median(measured.map((r) => r.cpuUsPerDelivery));
      const user = userUs(runs, variant);
      lines.push(`| ${load.replace('x', ' × ')} | ${variant} | ${fmt(total)} | ${fmt(user)} | ${fmt(total - user)} |`);
    }
  }
  return lines.join('\n');
}

function ratioLines(summary, columns) {
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

const n = (value) => Number(value).toLocaleString('en-US');

function describe(scenario, plan) {
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

/** The `relais bench` section: the same on every run (the tool, not its numbers). */
const RELAIS_BENCH_SECTION = [
  '## relais bench',
  '',
  '`npm run bench` above is the side-by-side comparison (relais, Socket.IO and `ws` in one run, on',
  "pinned cores, with the servers' CPU counted). `relais bench` is the load tool to point at any",
  'relais node, yours included: it opens subscriber connections with `@relais/client` over the',
  'transport and encoding you pick, publishes at a fixed rate for a bounded time from extra',
  'connections, and prints what arrived and how late.',
  '',
  '```sh',
  'relais bench ws://127.0.0.1:8080/connection/websocket --connections 1000 --subscribers 100 --rate 200 --duration 30s',
  'relais bench wss://rt.example.com/connection/websocket --encoding msgpack --token "$JWT" --json',
  'relais bench ws://127.0.0.1:8080 --transport long_poll --connections 50 --rate 50   # HTTP fallbacks: http_stream, sse, long_poll',
  'relais bench --help',
  '```',
  '',
  '- **Load**: `--connections` subscribers, `--subscribers` of them per channel (channels',
  '  `<--channel-prefix><run id>-<n>`, default prefix `bench:`: the node must let clients subscribe and',
  '  publish there), `--rate` publications/s over all channels round-robin, each with',
  '  `--payload-bytes` of padding, for `--duration` (at most 1 h), from `--publishers` connections',
  '  (default one per 500/s: a node allows 1,000 commands/s per connection). Then it waits up to',
  '  `--drain` for deliveries in flight and closes everything.',
  '- **Counts**: publications sent, accepted (acked by the node), failed; deliveries expected (one',
  '  per subscriber of each accepted publication), delivered (each distinct publication to each',
  '  subscriber once), missing and duplicated (found exactly, not estimated). A lost connection is',
  '  an error, not a reconnect.',
  '- **Latency**: each publication carries the time it was sent, stamped by the load generator;',
  '  the subscriber that receives it subtracts that from its own reading of the same clock.',
  '  p50/p95/p99/max are nearest-rank percentiles over every raw sample of the run, never averages',
  '  of percentiles.',
  '- **Output**: a progress line on stderr every second; the result as text, or one JSON object',
  '  with `--json`. Exit code 0 when every subscriber connected, nothing failed and every accepted',
  '  publication reached every subscriber once; 1 otherwise; 2 for a bad command line (the message',
  '  names the flag).',
  '- The generator is one Node process: the publishers run in its main thread, the subscribers',
  '  there too or, with `--workers N`, spread over N worker threads (their counts and raw samples',
  '  are merged at the end; every thread reads the same clock, `performance.timeOrigin +',
  '  performance.now()`). At high rates the generator is the bottleneck before the node is: watch',
  '  its CPU, give it more threads on a machine with the cores for them, or run it on another',
  "  machine. Its numbers include the client SDK's own work per message, unlike the raw-socket load",
  '  generator of `npm run bench`. An example run is in',
  '  [packages/relais/README.md](../packages/relais/README.md#relais-bench).',
];

export function renderMarkdown(run) {
  const summaries = Object.fromEntries(Object.entries(run.results).map(([key, runs]) => [key, summarize(runs)]));
  const m = run.machine;
  const out = [];
  out.push('# Benchmarks');
  out.push('');
  out.push('<!-- Generated by bench/report.mjs (npm run bench -- --write-docs); do not edit by hand. -->');
  out.push('');
  if (run.sources && run.sources.length > 1) {
    out.push(
      `Generated from ${run.sources.length} runs (${run.mode} mode, ${run.reps} interleaved repetitions each); every number below comes from them, and each scenario from exactly one of them:`,
    );
    out.push('');
    for (const source of run.sources) {
      const kept = source.scenarios.filter((name) =>
        run.sources.slice(run.sources.indexOf(source) + 1).every((later) => !later.scenarios.includes(name)),
      );
      out.push(
        `- \`${source.command}\` (started ${source.startedAt}, ${fmt(source.minutes, 1)} minutes, code ${source.code ?? 'not recorded'}): ${kept.join(', ')}`,
      );
    }
    out.push('');
    out.push(
      'Cells show the median over the repetitions with min–max in parentheses; ratios are relais / other, from medians of the same run.',
    );
  } else {
    out.push(
      `Generated from one run of \`${run.command}\` (${run.mode} mode, ${run.reps} interleaved repetition${run.reps > 1 ? 's' : ''}, ${fmt(run.minutes, 1)} minutes, started ${run.startedAt}, code ${run.code ?? 'not recorded'}). Every number below comes from that run. Cells show the median over the repetitions with min–max in parentheses; ratios are relais / other, from medians of the same run.`,
    );
  }
  out.push('');
  out.push(
    '**A small, drifting machine.** Two cores of a virtual machine whose speed changes from day to day (the absolute µs of two runs a day apart differ up to 3x) and, less, within a run. The servers are interleaved inside each repetition (the order rotates each time), which keeps the ratios between them meaningful; compare numbers only within this page.',
  );
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(targets(summaries));
  out.push('');
  for (const [scenario, summary] of Object.entries(summaries)) {
    const kind = scenario.split(' ')[0];
    const columns = columnsFor(scenario, summary, run.plan);
    out.push(`## ${TITLES[kind] ?? kind}: ${describe(scenario, run.plan)}`);
    out.push('');
    const note = NOTES[kind] ?? '';
    out.push(typeof note === 'function' ? note(run.plan) : note);
    out.push('');
    out.push(table(summary, run.variants, columns));
    const failed = failureNotes(summary, run.variants);
    if (failed) out.push(failed);
    out.push(ratioLines(summary, columns));
  }
  if (run.results['fanout 1000x50']) {
    out.push('## Where the CPU per delivery goes');
    out.push('');
    out.push(
      'Medians of user and kernel time per delivery (kernel = CPU per delivery × kernel share, per repetition). At these loads publications are 20–200 ms apart, so every server makes one write system call per subscriber per message; that write, and on loopback the receiving side of TCP, is the kernel part.',
    );
    out.push('');
    out.push(cpuBreakdown(run.results));
    out.push('');
    out.push(limits(summaries, run.plan, run.variants));
    out.push('');
  }
  out.push('## How it is measured');
  out.push('');
  out.push(
    '- **Servers** (bench/servers/): relais with the memory engine, built from this repository; Socket.IO 4 with its defaults and `io.to(room).emit`; `ws` sending per subscriber (`ws.send`); `ws` encoding and framing each message once (`Sender.frame`) and writing the same buffer to every socket. Each runs alone in its own process, pinned with `taskset` to core 0.',
  );
  out.push(
    "- **Load generator** (bench/loadgen.mjs): minimal raw WebSocket clients written on `node:net` (bench/lib/raw-ws.mjs: one fixed handshake key, zero-masked frames out, no extensions, no UTF-8 validation), cheaper per connection and per message than the `ws` client, in separate processes pinned to core 1 with the orchestrator: one process of subscribers, one publisher. Socket.IO is spoken as raw Engine.IO v4 / Socket.IO v5 packets rather than through socket.io-client, so that the load generator costs the same per delivery for every server. Publishers are clients: relais gets `publish` commands (routing, the broker, the publisher's ack), Socket.IO a `pub` event, ws a JSON message naming the room.",
  );
  out.push(
    "- **Server CPU per delivery**: user + system CPU time of the server process (`process.cpuUsage`, all threads) over the measured window, divided by the deliveries the subscribers received in it. On loopback the receiver's TCP work partly lands on the sender's core, as it does for every server here.",
  );
  out.push(
    '- **Latency**: the publisher stamps each message with CLOCK_MONOTONIC; subscribers record receipt − stamp (50 µs buckets below 100 ms).',
  );
  out.push(
    '- **Correctness** of the same streams through the real client libraries is a test, not part of this run: bench/streams.test.ts (in `npm test`).',
  );
  out.push(
    "- **bufferutil / utf-8-validate** (optional native addons of ws) are not installed: bufferutil only speeds up masking, and a server's outgoing frames are unmasked (only the small inbound publisher frames are masked); ws 8.21 validates UTF-8 with Node's built-in `buffer.isUtf8` when utf-8-validate is absent.",
  );
  if (run.variants['relais-redis']) {
    out.push(
      `- **relais (Redis, 2 nodes)**: two relais processes with the Redis engine (\`RedisBroker\`, one shard, a key prefix of this run's own), both on the server core (its server CPU and RSS are the sums of both); subscribers alternate between them and the publisher talks to the first, so every publication crosses Redis. Redis ${run.redis?.version ?? ''} runs outside the harness, on the same machine, unpinned (it shares the 2 cores with everything else): its CPU time is **not** in "server CPU"; "Redis CPU" columns give it separately (\`INFO cpu\`, the whole redis-server process, so anything else using that Redis during the window counts too). Its ratios to the others are not computed: compare its rows with relais (memory).`,
    );
  } else {
    out.push(
      '- **Not in this run**: relais with the Redis engine on 2 nodes (variant `relais-redis`, run when Redis answers at RELAIS_BENCH_REDIS_URL, default redis://127.0.0.1:6379).',
    );
  }
  out.push('');
  out.push('## Machine and versions');
  out.push('');
  out.push(`- ${m.nproc} cores (\`nproc --all\`), CPU: ${m.cpu} (/proc/cpuinfo), Linux ${m.kernel}, Node ${m.node}`);
  out.push(
    `- ${Object.entries(m.versions)
      .map(([name, v]) => `${name} ${v}`)
      .join(', ')}${run.redis ? `, Redis ${run.redis.version}` : ''}`,
  );
  out.push('');
  out.push('## Reproduce');
  out.push('');
  out.push('```sh');
  out.push('npm run bench -- --write-docs          # full run, about 35 minutes with Redis reachable, rewrites this page');
  out.push('npm run bench -- --quick               # about 3 minutes');
  out.push("node bench/session-cost.mjs             # relais's own JavaScript per connection and per delivery, without sockets");
  out.push('npm run bench -- --scenarios=jitter,avalanche --quick   # the disruption scenarios (bench/disrupt.mjs), about 9 minutes');
  out.push('npm run bench -- --scenarios=capacity     # idle capacity alone: as many connections as the machine allows, up to 100,000');
  out.push(
    'valgrind --tool=callgrind --dump-before=uv_get_free_memory node --predictable --no-opt bench/connect-instructions.mjs relais 200 200',
  );
  out.push('npm run bench -- --scenarios=fanout --variants=relais,ws-frame --reps=5');
  out.push('npm run bench -- --scenarios=fanout --variants=relais --cpu-prof   # profiles in bench/results/profiles');
  out.push('node bench/profile-summary.mjs bench/results/profiles/<file>.cpuprofile   # top functions by self time');
  out.push('npm run bench -- --docs-from=<run.json>[,<run.json>]   # re-render this page from saved runs');
  out.push('```');
  out.push('');
  out.push('Raw results of every run go to bench/results/ (not committed); the runs behind this page are in docs/benchmarks-data/.');
  out.push('');
  out.push(...RELAIS_BENCH_SECTION);
  out.push('');
  return out.join('\n');
}

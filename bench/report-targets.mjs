/**
 * @module bench/report-targets
 * The performance goals checked against a run (the Targets table), where the CPU per delivery
 * goes (user and kernel time), and the reading of the targets with the run's own numbers.
 */
import { isFailure } from './lib/failures.mjs';
import { disruptTargetRows } from './report-disrupt.mjs';
import { slowCount } from './report-scenarios.mjs';
import { fmt, fmtRatio, median, n, ratio } from './report-summary.mjs';

/** Targets of the performance goals, checked against this run's medians. */
export function targets(summaries) {
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

/** Median user-space µs per delivery: CPU per delivery × (1 − kernel share), per repetition. */
function userUs(runs, variant) {
  const list = runs?.[variant]?.filter((result) => !isFailure(result));
  if (!list?.length) return undefined;
  return median(list.map((r) => r.cpuUsPerDelivery * (1 - r.kernelShare)));
}

/** Reading of the targets: what limits the ones not met, with this run's numbers. */
export function limits(summaries, plan, variants) {
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
export function cpuBreakdown(results) {
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

/**
 * @module bench/maxrate
 * The max-rate search: the highest publish rate at which a probe passes (p99 < 100 ms,
 * keep-up ≥ 0.97, no client dropped). The rate doubles from `start` until a probe fails (or
 * reaches `high`), then bisects (geometric midpoint) for the remaining probes. A probe whose
 * processes stopped answering (a failure record, bench/lib/failures.mjs) is a failed probe.
 */
import { isFailure } from './lib/failures.mjs';

/** Whether a probe's window result passes at `clients` subscribers over `measureMs`. */
export function probePassed(result, { clients, measureMs }) {
  if (isFailure(result)) return false;
  // Up to two publications short of the target counts as keeping up: at a few msg/s the
  // window holds only a handful of them and its edges alone would fail a pure ratio.
  const perPublication = clients;
  const expected = (result.deliveriesPerSec / result.keepUp) * (measureMs / 1000);
  const keptUp = result.keepUp >= 0.97 || expected * (1 - result.keepUp) <= 2 * perPublication;
  return result.p99 !== undefined && result.p99 < 100 && keptUp && result.dropped === 0;
}

/** One probe in the probes column: `320✓`, `640✗`, or `1280✗stalled` for a failure record. */
function probeLabel(rate, ok, result) {
  return `${rate}${ok ? '✓' : '✗'}${isFailure(result) ? result.failed : ''}`;
}

/**
 * Runs the search with `probe(rate)`, which measures one fresh window at `rate` and resolves
 * with its result or a failure record. `log(line)` receives a line per probe when given.
 */
export async function searchMaxRate(probe, { clients, start, high, steps, measureMs }, log) {
  const probes = [];
  let low;
  let failed;
  let rate = start;
  for (let step = 0; step < steps; step++) {
    const result = await probe(rate);
    const ok = probePassed(result, { clients, measureMs });
    probes.push(probeLabel(rate, ok, result));
    log?.(
      isFailure(result)
        ? `${rate}/s: ${result.failed}: ${result.error}`
        : `${rate}/s: p99=${result.p99} keepUp=${result.keepUp.toFixed(3)} dropped=${result.dropped}`,
    );
    if (ok) low = rate;
    else failed = rate;
    if (ok && failed === undefined) {
      if (rate >= high) break;
      rate = Math.min(high, rate * 2);
    } else {
      rate = Math.round(Math.sqrt((low ?? rate / 4) * failed));
      if (rate === low || rate === failed) break;
    }
  }
  return { maxRate: low ?? 0, probes: probes.join(' ') };
}

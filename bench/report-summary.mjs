/**
 * @module bench/report-summary
 * The numbers of a report: medians with min–max over the repetitions (failed ones left out and
 * listed), their formatting in cells and tables, and ratios between two variants' medians.
 */
import { isFailure } from './lib/failures.mjs';

export function median(values) {
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

export function fmt(value, digits) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (digits === undefined) digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRatio(value) {
  return `${value >= 0.1 ? fmt(value, 2) : Number(value.toPrecision(2))}x`;
}

/** "2 stalled" or "1 stalled, 1 exited": the failed repetitions of a variant by kind. */
export function failedKinds(failures) {
  const counts = new Map();
  for (const kind of failures.kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
}

export function cell(stat, digits, failures) {
  // Every repetition failed: say how, rather than a bare dash.
  if (!stat) return failures ? `– (${failedKinds(failures)})` : '–';
  if (stat.text !== undefined) return stat.text;
  const missing = stat.of > stat.n ? ` [${stat.n} of ${stat.of}${failures ? `; ${failedKinds(failures)}` : ''}]` : '';
  if (stat.n === 1) return `${fmt(stat.median, digits)}${missing}`;
  return `${fmt(stat.median, digits)} (${fmt(stat.min, digits)}–${fmt(stat.max, digits)})${missing}`;
}

export function table(summary, variants, columns) {
  const head = `| server | ${columns.map((c) => c.title).join(' | ')} |`;
  const rule = `| --- | ${columns.map(() => '---:').join(' | ')} |`;
  const rows = Object.keys(summary).map(
    (variant) =>
      `| ${variants[variant] ?? variant} | ${columns.map((c) => cell(summary[variant][c.key], c.digits, summary[variant].failures)).join(' | ')} |`,
  );
  return [head, rule, ...rows].join('\n');
}

/** A line per variant with failed repetitions: why they failed (left out of every median). */
export function failureNotes(summary, variants) {
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

export function ratio(summary, metric, of, to) {
  const a = summary?.[of]?.[metric]?.median;
  const b = summary?.[to]?.[metric]?.median;
  return a !== undefined && b !== undefined && b !== 0 ? a / b : undefined;
}

export const n = (value) => Number(value).toLocaleString('en-US');

/**
 * @module testkit/prometheus-text
 * A strict reader of the Prometheus text format (0.0.4) for tests: it throws on any line the
 * format does not allow (names, HELP/TYPE order, label syntax and escapes, duplicate series,
 * histogram buckets out of order or not cumulative, `_count` not equal to the `+Inf` bucket),
 * and returns the samples, so that tests read exact counts from what `/metrics` served.
 */

/** One sample line: its full name (`x_bucket` included), labels and value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One metric family: HELP, TYPE and its samples in order. */
export interface PromFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const VALUE = /^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function fail(line: number, text: string, why: string): never {
  throw new Error(`line ${line}: ${why}: ${JSON.stringify(text)}`);
}

function parseNumber(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Reads `{a="x",b="y"}` from `text` at `at`; returns the labels and where they end. */
function parseLabels(text: string, at: number, line: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  const name = new RegExp(`^${LABEL}`);
  while (text[i] !== '}') {
    const match = name.exec(text.slice(i));
    if (!match) fail(line, text, 'bad label name');
    const key = match[0];
    i += key.length;
    if (text[i] !== '=' || text[i + 1] !== '"') fail(line, text, 'label without ="');
    i += 2;
    let value = '';
    for (;;) {
      const char = text[i];
      if (char === undefined || char === '\n') fail(line, text, 'unterminated label value');
      if (char === '"') break;
      if (char === '\\') {
        const next = text[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else fail(line, text, 'bad escape in label value');
        i += 2;
      } else {
        value += char;
        i++;
      }
    }
    i++;
    if (key in labels) fail(line, text, `label ${key} twice`);
    labels[key] = value;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(line, text, 'labels not separated by ,');
  }
  return { labels, end: i + 1 };
}

function familyOf(sample: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const direct = families.get(sample);
  if (direct && direct.type !== 'histogram') return direct;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!sample.endsWith(suffix)) continue;
    const family = families.get(sample.slice(0, -suffix.length));
    if (family?.type === 'histogram' || family?.type === 'summary') return family;
  }
  return undefined;
}

function checkHistogram(family: PromFamily): void {
  const series = new Map<string, PromSample[]>();
  for (const sample of family.samples) {
    const { le: _le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    if (!series.has(key)) series.set(key, []);
    (series.get(key) as PromSample[]).push(sample);
  }
  for (const [key, samples] of series) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'));
    if (buckets.some((b) => b.labels.le === undefined)) throw new Error(`${family.name}${key}: a bucket without le`);
    const bounds = buckets.map((b) => parseNumber(b.labels.le as string));
    if (bounds.at(-1) !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    for (let i = 1; i < buckets.length; i++) {
      if (!((bounds[i] as number) > (bounds[i - 1] as number))) throw new Error(`${family.name}${key}: buckets out of order`);
      if ((buckets[i] as PromSample).value < (buckets[i - 1] as PromSample).value)
        throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    const count = samples.find((s) => s.name === `${family.name}_count`);
    if (!count || !samples.some((s) => s.name === `${family.name}_sum`)) throw new Error(`${family.name}${key}: no _sum or _count`);
    if (count.value !== (buckets.at(-1) as PromSample).value) throw new Error(`${family.name}${key}: _count is not the +Inf bucket`);
  }
}

/** Parses `text` strictly; throws an Error naming the first line that breaks the format. */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the text does not end with a line feed');
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  const help = new RegExp(`^# HELP (${NAME}) (.*)$`);
  const type = new RegExp(`^# TYPE (${NAME}) (\\S+)$`);
  const name = new RegExp(`^${NAME}`);
  const lines = text.split('\n').slice(0, -1);
  const pendingHelp = new Map<string, string>();
  lines.forEach((line, index) => {
    const at = index + 1;
    if (line.startsWith('# HELP ')) {
      const match = help.exec(line) ?? fail(at, line, 'bad HELP');
      if (/\\[^\\n]/.test((match[2] as string).replace(/\\\\/g, ''))) fail(at, line, 'bad escape in HELP');
      pendingHelp.set(
        match[1] as string,
        (match[2] as string).replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')),
      );
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const match = type.exec(line) ?? fail(at, line, 'bad TYPE');
      const family = match[1] as string;
      if (!TYPES.has(match[2] as string)) fail(at, line, 'unknown type');
      if (families.has(family)) fail(at, line, 'TYPE given twice');
      families.set(family, { name: family, help: pendingHelp.get(family) ?? '', type: match[2] as PromFamily['type'], samples: [] });
      return;
    }
    if (line.startsWith('#') || line.trim() === '') return;
    const sampleName = (name.exec(line) ?? fail(at, line, 'bad metric name'))[0];
    let rest = line.slice(sampleName.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      const parsed = parseLabels(line, sampleName.length, at);
      labels = parsed.labels;
      rest = line.slice(parsed.end);
    }
    const parts = rest.split(' ');
    if (parts[0] !== '' || parts.length < 2 || parts.length > 3) fail(at, line, 'expected one space, a value and an optional timestamp');
    if (!VALUE.test(parts[1] as string)) fail(at, line, 'bad value');
    const family = familyOf(sampleName, families) ?? fail(at, line, 'sample before its TYPE');
    const key = `${sampleName}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) fail(at, line, 'series given twice');
    seen.add(key);
    family.samples.push({ name: sampleName, labels, value: parseNumber(parts[1] as string) });
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/**
 * The value of the sample `name` whose labels include `labels` (0 when there is none, as a
 * counter never bumped); throws when several match.
 */
export function sampleValue(families: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}): number {
  const family = familyOf(name, families);
  const matching = (family?.samples ?? []).filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (matching.length > 1) throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matching[0]?.value ?? 0;
}

/**
 * @module metrics/prometheus
 * A small writer of the Prometheus text exposition format (version 0.0.4): counters, gauges
 * and histograms with fixed buckets, each with label sets resolved once into children that the
 * hot path keeps and bumps without any lookup. Labels must have bounded values (namespaces,
 * transports, codes, methods): a child is kept forever once made.
 */

/** The content type of `Registry.render()`'s output. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === '\n' ? '\\n' : `\\${char}`));
}

/** Escapes HELP text: backslash and line feed. */
function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (char) => (char === '\n' ? '\\n' : '\\\\'));
}

/** A sample value as the format writes it (`+Inf`, `-Inf`, `NaN`). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts = names.map((name, i) => `${name}="${escapeLabelValue(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** What every metric of a registry does. */
export interface Metric {
  readonly name: string;
  /** Appends the metric's HELP, TYPE and sample lines. */
  write(lines: string[]): void;
}

/** Metric with children per label set; the children are made on first use and kept. */
abstract class Family<C> implements Metric {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  protected abstract readonly type: 'counter' | 'gauge' | 'histogram';
  readonly #children = new Map<string, { values: readonly string[]; child: C }>();

  constructor(name: string, help: string, labelNames: readonly string[]) {
    if (!METRIC_NAME.test(name)) throw new TypeError(`invalid metric name ${JSON.stringify(name)}`);
    for (const label of labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) throw new TypeError(`invalid label name ${JSON.stringify(label)} of ${name}`);
    }
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
  }

  /** The child of one label set, values in the order of `labelNames`. Keep it: this is a lookup. */
  labels(...values: string[]): C {
    if (values.length !== this.labelNames.length)
      throw new TypeError(`${this.name} takes ${this.labelNames.length} label values, got ${values.length}`);
    const key = values.join('\u0000');
    let entry = this.#children.get(key);
    if (!entry) {
      entry = { values, child: this.makeChild() };
      this.#children.set(key, entry);
    }
    return entry.child;
  }

  /** Every child made so far with its label values. */
  children(): IterableIterator<{ values: readonly string[]; child: C }> {
    return this.#children.values();
  }

  protected abstract makeChild(): C;
  protected abstract writeChild(lines: string[], values: readonly string[], child: C): void;

  write(lines: string[]): void {
    lines.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`);
    for (const { values, child } of this.#children.values()) this.writeChild(lines, values, child);
  }
}

/** One counter of a label set: only goes up. */
export class CounterChild {
  value = 0;
  inc(amount = 1): void {
    this.value += amount;
  }
}

/** A counter family (`..._total`). With no labels, `inc` bumps the only child. */
export class Counter extends Family<CounterChild> {
  protected readonly type = 'counter';
  readonly #unlabelled: CounterChild | undefined;

  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, labelNames);
    this.#unlabelled = labelNames.length === 0 ? this.labels() : undefined;
  }

  inc(amount = 1): void {
    if (!this.#unlabelled) throw new TypeError(`${this.name} has labels: use labels(...).inc()`);
    this.#unlabelled.inc(amount);
  }

  /** The counts by the value of the first label (for plain snapshots). */
  byFirstLabel(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const { values, child } of this.children()) out[values[0] ?? ''] = (out[values[0] ?? ''] ?? 0) + child.value;
    return out;
  }

  /** The sum over every child. */
  total(): number {
    let sum = 0;
    for (const { child } of this.children()) sum += child.value;
    return sum;
  }

  protected makeChild(): CounterChild {
    return new CounterChild();
  }

  protected writeChild(lines: string[], values: readonly string[], child: CounterChild): void {
    lines.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
  }
}

/** One gauge of a label set. */
export class GaugeChild {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(amount = 1): void {
    this.value += amount;
  }
  dec(amount = 1): void {
    this.value -= amount;
  }
}

/**
 * A gauge family. With `collect`, the samples are read at render time instead (values that
 * live elsewhere, e.g. channels per namespace): it returns label values and value pairs.
 */
export class Gauge extends Family<GaugeChild> {
  protected readonly type = 'gauge';
  readonly #collect: (() => Iterable<readonly [readonly string[], number]>) | undefined;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    collect?: () => Iterable<readonly [readonly string[], number]>,
  ) {
    super(name, help, labelNames);
    this.#collect = collect;
  }

  set(value: number): void {
    this.labels().set(value);
  }

  protected makeChild(): GaugeChild {
    return new GaugeChild();
  }

  override write(lines: string[]): void {
    if (this.#collect) for (const [values, value] of this.#collect()) this.labels(...values).set(value);
    super.write(lines);
  }

  protected writeChild(lines: string[], values: readonly string[], child: GaugeChild): void {
    lines.push(`${this.name}${labelText(this.labelNames, values)} ${formatValue(child.value)}`);
  }
}

/** One histogram of a label set: counts per bucket (not cumulative), sum and count. */
export class HistogramChild {
  readonly #bounds: readonly number[];
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    (this.counts[i] as number)++;
    this.sum += value;
    this.count++;
  }
}

/** A histogram family with fixed upper bounds (`le`), in the metric's base unit. */
export class Histogram extends Family<HistogramChild> {
  protected readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    if (labelNames.includes('le')) throw new TypeError(`a histogram cannot have a label "le" (${name})`);
    super(name, help, labelNames);
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number))))
      throw new TypeError(`buckets of ${name} must be finite and increasing`);
    this.buckets = buckets;
  }

  protected makeChild(): HistogramChild {
    return new HistogramChild(this.buckets);
  }

  protected writeChild(lines: string[], values: readonly string[], child: HistogramChild): void {
    let cumulative = 0;
    for (let i = 0; i <= this.buckets.length; i++) {
      cumulative += child.counts[i] as number;
      const le = i < this.buckets.length ? formatValue(this.buckets[i] as number) : '+Inf';
      lines.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${le}"`)} ${cumulative}`);
    }
    lines.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(child.sum)}`);
    lines.push(`${this.name}_count${labelText(this.labelNames, values)} ${child.count}`);
  }
}

/** The metrics of one node, rendered in registration order. */
export class Registry {
  readonly #metrics = new Map<string, Metric>();
  readonly #collectors: (() => void)[] = [];

  /** Runs `collect` at the start of every render (to read values that live elsewhere). */
  beforeRender(collect: () => void): void {
    this.#collectors.push(collect);
  }

  /** Adds `metric`; throws a TypeError when its name is taken. Returns it. */
  register<M extends Metric>(metric: M): M {
    if (this.#metrics.has(metric.name)) throw new TypeError(`metric ${metric.name} is already registered`);
    this.#metrics.set(metric.name, metric);
    return metric;
  }

  /** Removes `metric` (when it is the one registered under its name). */
  remove(metric: Metric): void {
    if (this.#metrics.get(metric.name) === metric) this.#metrics.delete(metric.name);
  }

  /** Every metric in the text format, ending with a line feed. */
  render(): string {
    for (const collect of this.#collectors) collect();
    const lines: string[] = [];
    for (const metric of this.#metrics.values()) metric.write(lines);
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}

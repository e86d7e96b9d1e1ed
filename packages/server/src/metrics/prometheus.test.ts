import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../testkit/prometheus-text.js';
import { Counter, Gauge, Histogram, Registry, escapeLabelValue, formatValue } from './prometheus.js';

interface ThirdPartyFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

// An independent reader of the format (a dev dependency without types).
const parseWithLibrary = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ThirdPartyFamily[];

describe('Registry', () => {
  it('renders counters, gauges and histograms with HELP and TYPE, in the text format', () => {
    const registry = new Registry();
    const sent = registry.register(new Counter('relais_sent_total', 'Frames sent.', ['kind']));
    sent.labels('reply').inc();
    sent.labels('reply').inc(2);
    sent.labels('push').inc();
    registry.register(new Gauge('relais_open', 'Open now.')).set(7);
    const seconds = registry.register(new Histogram('relais_seconds', 'Latency.', ['method'], [0.01, 0.1]));
    seconds.labels('publish').observe(0.005);
    seconds.labels('publish').observe(0.01);
    seconds.labels('publish').observe(0.05);
    seconds.labels('publish').observe(3);
    expect(registry.render()).toBe(
      [
        '# HELP relais_sent_total Frames sent.',
        '# TYPE relais_sent_total counter',
        'relais_sent_total{kind="reply"} 3',
        'relais_sent_total{kind="push"} 1',
        '# HELP relais_open Open now.',
        '# TYPE relais_open gauge',
        'relais_open 7',
        '# HELP relais_seconds Latency.',
        '# TYPE relais_seconds histogram',
        'relais_seconds_bucket{method="publish",le="0.01"} 2',
        'relais_seconds_bucket{method="publish",le="0.1"} 3',
        'relais_seconds_bucket{method="publish",le="+Inf"} 4',
        'relais_seconds_sum{method="publish"} 3.065',
        'relais_seconds_count{method="publish"} 4',
        '',
      ].join('\n'),
    );
  });

  it('escapes label values and HELP so that both readers get the original text back', () => {
    const registry = new Registry();
    const tricky = 'a "quoted" back\\slash\nand a line feed';
    const counter = registry.register(new Counter('relais_tricky_total', 'Help with a \\ and a\nline feed.', ['namespace']));
    counter.labels(tricky).inc();
    counter.labels('{},=').inc(2);
    const text = registry.render();
    expect(text).toContain('relais_tricky_total{namespace="a \\"quoted\\" back\\\\slash\\nand a line feed"} 1');
    const families = parsePrometheusText(text);
    expect(families.get('relais_tricky_total')?.help).toBe('Help with a \\ and a\nline feed.');
    expect(sampleValue(families, 'relais_tricky_total', { namespace: tricky })).toBe(1);
    expect(sampleValue(families, 'relais_tricky_total', { namespace: '{},=' })).toBe(2);
    const [family] = parseWithLibrary(text);
    expect(family?.metrics.map((metric) => metric.labels?.namespace)).toEqual([tricky, '{},=']);
    expect(family?.help).toBe('Help with a \\ and a\nline feed.');
  });

  it('keeps a child per label set: the same child comes back, and is bumped without a lookup', () => {
    const counter = new Counter('relais_x_total', 'x', ['a', 'b']);
    const child = counter.labels('1', '2');
    expect(counter.labels('1', '2')).toBe(child);
    child.value += 5;
    expect(counter.byFirstLabel()).toEqual({ 1: 5 });
    expect(counter.total()).toBe(5);
  });

  it('reads collected gauges at render time', () => {
    const registry = new Registry();
    let open = 1;
    registry.register(new Gauge('relais_collected', 'c', ['k'], () => [[['x'], open]]));
    expect(registry.render()).toContain('relais_collected{k="x"} 1\n');
    open = 4;
    expect(registry.render()).toContain('relais_collected{k="x"} 4\n');
  });

  it('removes a metric it holds, and only that one', () => {
    const registry = new Registry();
    const first = registry.register(new Counter('relais_removable_total', 'x'));
    registry.remove(new Counter('relais_removable_total', 'another of the same name'));
    expect(registry.render()).toContain('relais_removable_total 0\n');
    registry.remove(first);
    expect(registry.render()).toBe('');
    // The name is free again.
    registry.register(new Counter('relais_removable_total', 'x'));
    expect(registry.render()).toContain('relais_removable_total 0\n');
  });

  it('writes special values as the format spells them', () => {
    expect([Infinity, -Infinity, NaN, 0.5, 12].map(formatValue)).toEqual(['+Inf', '-Inf', 'NaN', '0.5', '12']);
    expect(escapeLabelValue('plain')).toBe('plain');
  });

  it('refuses invalid names, duplicate metrics, a histogram label le, and wrong label counts', () => {
    expect(() => new Counter('relais-bad', 'x')).toThrow(TypeError);
    expect(() => new Counter('relais_ok_total', 'x', ['bad-label'])).toThrow(TypeError);
    expect(() => new Counter('relais_ok_total', 'x', ['__reserved'])).toThrow(TypeError);
    expect(() => new Histogram('relais_h', 'x', ['le'], [1])).toThrow(TypeError);
    expect(() => new Histogram('relais_h', 'x', [], [2, 1])).toThrow(TypeError);
    expect(() => new Counter('relais_ok_total', 'x', ['a']).labels()).toThrow(TypeError);
    expect(() => new Counter('relais_ok_total', 'x', ['a']).inc()).toThrow(TypeError);
    const registry = new Registry();
    registry.register(new Gauge('relais_twice', 'x'));
    expect(() => registry.register(new Gauge('relais_twice', 'x'))).toThrow(TypeError);
  });
});

describe('parsePrometheusText', () => {
  it('rejects text that breaks the format', () => {
    const head = '# HELP m_total m\n# TYPE m_total counter\n';
    for (const bad of [
      `${head}m_total 1`, // no final line feed
      `${head}m_total{a="1"} 1\nm_total{a="1"} 2\n`, // series twice
      `${head}m_total{a="x\\q"} 1\n`, // bad escape
      `${head}m_total{a=1} 1\n`, // unquoted value
      `${head}m_total  1\n`, // two spaces
      `${head}m_total one\n`, // bad value
      'm_total 1\n', // sample before TYPE
      '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', // not cumulative
      '# HELP h h\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', // no +Inf
      '# HELP h h\n# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n', // count != +Inf
    ]) {
      expect(() => parsePrometheusText(bad), bad).toThrow();
    }
  });
});

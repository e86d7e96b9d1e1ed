import { describe, expect, it } from 'vitest';
import type { NodeRow } from '../shared/protocol.js';
import { MAX_SAMPLES, NodeSeries } from './series.js';

const row = (id: string, at: number, messagesIn: number, messagesOut: number, connections = 1): NodeRow => ({
  id,
  version: '0.1.0',
  startedAt: 0,
  uptimeMs: at,
  at,
  connections,
  subscriptions: 0,
  channels: 0,
  messagesIn,
  messagesOut,
  bytesIn: 0,
  bytesOut: 0,
  eventLoopLagMs: 1.5,
  traces: 0,
});

describe('NodeSeries', () => {
  it('takes rates from the counters’ differences, per node', () => {
    const series = new NodeSeries();
    series.add([row('a', 1_000, 10, 20), row('b', 1_000, 0, 0)]);
    series.add([row('a', 3_000, 30, 60), row('b', 2_000, 5, 0)]);
    expect(series.latest('a')).toMatchObject({ inPerSecond: 10, outPerSecond: 20, lagMs: 1.5 });
    expect(series.latest('b')).toMatchObject({ inPerSecond: 5, outPerSecond: 0 });
    expect(series.samples('a').map((s) => s.inPerSecond)).toEqual([0, 10]);
  });

  it('counts a restarted node (counters back to 0) as 0/s, and forgets nodes that are gone', () => {
    const series = new NodeSeries();
    series.add([row('a', 1_000, 100, 100), row('b', 1_000, 0, 0)]);
    series.add([row('a', 2_000, 3, 3)]);
    expect(series.latest('a')).toMatchObject({ inPerSecond: 0 });
    expect(series.nodes()).toEqual(['a']);
  });

  it('keeps the last MAX_SAMPLES samples', () => {
    const series = new NodeSeries();
    for (let i = 0; i < MAX_SAMPLES + 5; i++) series.add([row('a', i * 1_000, i, i, i)]);
    const samples = series.samples('a');
    expect(samples).toHaveLength(MAX_SAMPLES);
    expect(samples[0]!.connections).toBe(5);
  });
});

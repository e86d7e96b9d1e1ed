import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../memory/memory-broker.js';
import { delegatingBroker } from '../testkit/delegating-broker.js';
import { parsePrometheusText, sampleValue } from '../testkit/prometheus-text.js';
import { ENGINE_TIMING_SAMPLE, engineName, instrumentBroker } from './instrumented-engine.js';
import { Metrics } from './metrics.js';

const handler = { handlePublication() {}, handleJoin() {}, handleLeave() {} };

describe('instrumentBroker', () => {
  it('counts every call and failure, and times one call in ENGINE_TIMING_SAMPLE', async () => {
    const metrics = new Metrics();
    let fail = false;
    const inner = new MemoryBroker();
    const broker = instrumentBroker(
      delegatingBroker(inner, { publish: (pub, options) => (fail ? Promise.reject(new Error('down')) : inner.publish(pub, options)) }),
      metrics,
    );
    await broker.start(handler);
    const calls = ENGINE_TIMING_SAMPLE * 2 + 3;
    for (let i = 0; i < calls; i++) await broker.publish({ channel: 'a:1', data: i }, {});
    fail = true;
    // One failure on an untimed call, one on a timed one (the 48th call).
    for (let i = 0; i < ENGINE_TIMING_SAMPLE - 3; i++)
      await expect(broker.publish({ channel: 'a:1', data: 0 }, {})).rejects.toThrow('down');
    const m = parsePrometheusText(metrics.registry.render());
    expect(sampleValue(m, 'relais_engine_requests_total', { op: 'publish' })).toBe(calls + ENGINE_TIMING_SAMPLE - 3);
    expect(sampleValue(m, 'relais_engine_errors_total', { op: 'publish' })).toBe(ENGINE_TIMING_SAMPLE - 3);
    expect(sampleValue(m, 'relais_engine_request_duration_seconds_count', { op: 'publish' })).toBe(3);
    await broker.close();
  });

  it('keeps the optional capabilities of the broker it wraps', () => {
    const metrics = new Metrics();
    expect(instrumentBroker(new MemoryBroker(), metrics).controlLink).toBeTypeOf('function');
    const plain = instrumentBroker(delegatingBroker(new MemoryBroker(), {}), metrics);
    expect([plain.controlLink, plain.reachable]).toEqual([undefined, undefined]);
    expect(
      instrumentBroker(Object.assign(delegatingBroker(new MemoryBroker(), {}), { reachable: () => false }), metrics).reachable?.(),
    ).toBe(false);
  });

  it('names the engine after the broker class', () => {
    expect([engineName(new MemoryBroker()), engineName(undefined), engineName({})]).toEqual(['memory', 'memory', 'custom']);
  });
});

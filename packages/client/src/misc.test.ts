import { describe, expect, it, vi } from 'vitest';
import { exponentialBackoff } from './backoff.js';
import { Emitter } from './emitter.js';
import { InvalidOptionsError } from './errors.js';
import { jsonCodec } from '@relais/protocol';
import { resolveOptions } from './options.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient } from './testing/helpers.js';

describe('exponentialBackoff', () => {
  it('gives the window floor with random 0 and the capped ceiling with random 1', () => {
    const low = exponentialBackoff({ minDelayMs: 500, maxDelayMs: 20_000, factor: 2, random: () => 0 });
    const high = exponentialBackoff({ minDelayMs: 500, maxDelayMs: 20_000, factor: 2, random: () => 1 });
    expect([0, 1, 2, 3, 4, 5, 10].map(low)).toEqual([500, 500, 500, 500, 500, 500, 500]);
    expect([0, 1, 2, 3, 4, 5, 10].map(high)).toEqual([1000, 2000, 4000, 8000, 16_000, 20_000, 20_000]);
  });

  it('stays within its bounds for any random value', () => {
    for (let i = 0; i < 1000; i++) {
      const r = Math.random();
      const attempt = i % 12;
      const ms = exponentialBackoff({ minDelayMs: 500, maxDelayMs: 20_000, factor: 2, random: () => r })(attempt);
      expect(ms).toBeGreaterThanOrEqual(500);
      expect(ms).toBeLessThanOrEqual(Math.min(20_000, 500 * 2 ** (attempt + 1)));
    }
  });
});

describe('Emitter', () => {
  it('returns a disposer that removes only its own registration', () => {
    const emitter = new Emitter<{ tick: number }>();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    const off = emitter.on('tick', listener);
    emitter.on('tick', listener);
    off();
    off();
    emitter.emit('tick', 1);
    expect(seen).toEqual([1]);
  });

  it('reports a throwing listener and still calls the next one', () => {
    const reported: unknown[] = [];
    const emitter = new Emitter<{ tick: number }>((error) => reported.push(error));
    const seen: number[] = [];
    emitter.on('tick', () => {
      throw new Error('boom');
    });
    emitter.on('tick', (n) => seen.push(n));
    emitter.emit('tick', 7);
    expect(seen).toEqual([7]);
    expect(reported).toHaveLength(1);
  });

  it('runs a once listener a single time', () => {
    const emitter = new Emitter<{ tick: number }>();
    const seen: number[] = [];
    emitter.once('tick', (n) => seen.push(n));
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    expect(seen).toEqual([1]);
  });
});

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveOptions({})).toMatchObject({
      encoding: jsonCodec,
      minReconnectDelayMs: 500,
      maxReconnectDelayMs: 20_000,
      reconnectFactor: 2,
      maxReconnectAttempts: Infinity,
      stableConnectionMs: 5000,
      connectTimeoutMs: 10_000,
      timeoutMs: 10_000,
      maxQueueSize: 1000,
      debug: false,
    });
  });

  it('keeps the default of an option given as undefined, and takes null as given', () => {
    const resolved = resolveOptions({ timeoutMs: undefined, name: undefined, window: null, maxQueueSize: 0 });
    expect(resolved).toMatchObject({ timeoutMs: 10_000, name: 'relais-js', window: null, maxQueueSize: 0, transports: ['websocket'] });
  });

  it.each([
    [{ minReconnectDelayMs: 30_000 }, /minReconnectDelayMs \(30000\) must not exceed maxReconnectDelayMs \(20000\)/],
    [{ reconnectFactor: 0.5 }, /reconnectFactor must be a finite number >= 1/],
    [{ maxReconnectAttempts: -1 }, /maxReconnectAttempts must be a non-negative integer or Infinity/],
    [{ backoff: () => 1, maxReconnectDelayMs: 10 }, /backoff replaces the built-in schedule: do not also set maxReconnectDelayMs/],
    [{ timeoutMs: 0 }, /timeoutMs must be a positive number/],
    [{ maxQueueSize: 1.5 }, /maxQueueSize must be a non-negative integer/],
    [{ maxHeldPublications: 0 }, /maxHeldPublications must be a positive integer/],
    [{ encoding: 'xml' as never }, /encoding must be 'json' or a codec such as msgpack from '@relais\/client\/msgpack', got "xml"/],
    [{ encoding: { name: 'msgpack' } as never }, /encoding must be 'json' or a codec/],
    [{ encoding: 'msgpack' as never }, /encoding 'msgpack' is an opt-in import: import \{ msgpack \} from '@relais\/client\/msgpack'/],
    // The HTTP fallbacks by name, as before 0.2 (docs/client.md#migration-http-fallbacks).
    [
      { transports: ['websocket', 'sse'] as never },
      /transport 'sse' is an opt-in import: import \{ sse \} from '@relais\/client\/fallback' and pass transports: \['websocket', sse\]/,
    ],
    [{ transports: ['http_stream'] as never }, /import \{ httpStream \} from '@relais\/client\/fallback'/],
    [{ transports: ['long_poll'] as never }, /import \{ longPoll \} from '@relais\/client\/fallback'/],
    [{ transports: ['websocket', { kind: 'sse' }] as never }, /transports must be a non-empty list of distinct 'websocket' and fallbacks/],
  ])('rejects %o with a precise error', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(InvalidOptionsError);
    expect(() => resolveOptions(options)).toThrow(message);
  });
});

describe('Client stats and debug', () => {
  const fake = useFakeServer();

  it('counts frames and bytes both ways, reconnects, time connected and queued sends', async () => {
    const client = fakeClient(fake.server, { random: () => 0 });
    void client.send('queued');
    expect(client.stats()).toMatchObject({ queuedSends: 1, messagesOut: 0, connectedMs: 0, reconnects: 0 });
    client.connect();
    await vi.advanceTimersByTimeAsync(1000);
    fake.server.current!.write({ type: 'message', data: 1 }, { type: 'message', data: 2 });
    await vi.advanceTimersByTimeAsync(0);
    const stats = client.stats();
    // out: connect + send; in: 2 replies + 2 pushes in one message
    expect(stats).toMatchObject({ messagesOut: 2, messagesIn: 4, queuedSends: 0, connectedMs: 1000 });
    const connectFrame = JSON.stringify({ id: 1, method: 'connect', params: { name: 'relais-js', version: '0.1.0' } });
    const sendFrame = JSON.stringify({ id: 2, method: 'send', params: { data: 'queued' } });
    expect(stats.bytesOut).toBe(connectFrame.length + sendFrame.length);
    expect(stats.bytesIn).toBeGreaterThan(0);
    fake.server.closeConnection(3001);
    await vi.advanceTimersByTimeAsync(500);
    await vi.advanceTimersByTimeAsync(250);
    expect(client.stats()).toMatchObject({ reconnects: 1, connectedMs: 1250 });
    client.close();
  });

  it('routes debug lines to the logger only while debug is on', async () => {
    const logger = { debug: vi.fn() };
    const client = fakeClient(fake.server, { logger });
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    expect(logger.debug).not.toHaveBeenCalled();
    client.setDebug(true);
    await client.rpc('x');
    expect(logger.debug.mock.calls.map(([line]) => line)).toContain('relais: -> rpc');
    client.setDebug(false);
    logger.debug.mockClear();
    await client.rpc('x');
    expect(logger.debug).not.toHaveBeenCalled();
  });

  it('reconnects after a malformed frame from the server, reporting a protocol error', async () => {
    const client = fakeClient(fake.server, { random: () => 0 });
    const errors: unknown[] = [];
    client.on('error', (e) => errors.push(e));
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.current!.deliverRaw('{not json');
    await vi.advanceTimersByTimeAsync(0);
    expect(errors[0]).toMatchObject({ code: 'RELAIS_ERR_PROTOCOL' });
    await vi.advanceTimersByTimeAsync(500);
    expect(client.state).toBe('connected');
  });
});

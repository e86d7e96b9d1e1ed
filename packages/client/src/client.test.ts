import { describe, expect, it, vi } from 'vitest';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient, recorder } from './testing/helpers.js';
import type { StateChange } from './events.js';
import { Client } from './client.js';
import { msgpack as msgpackCodec } from './msgpack.js';
import { ClientClosedError, InvalidOptionsError, TransportError } from './errors.js';
import { fallbacks, sse } from './fallback.js';
import { resolveOptions } from './options.js';
import type { FetchLike } from './transports/fetch.js';

describe('Client', () => {
  const fake = useFakeServer();

  describe('#connect', () => {
    it('goes disconnected -> connecting -> connected and emits a state event for each change', async () => {
      const client = fakeClient(fake.server);
      const states = recorder<StateChange>();
      client.on('state', states);
      expect(client.state).toBe('disconnected');
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(client.state).toBe('connected');
      expect(states.values.map((s) => [s.previous, s.state])).toEqual([
        ['disconnected', 'connecting'],
        ['connecting', 'connected'],
      ]);
    });

    it('sends connect first with the client name, version, token and data', async () => {
      const client = fakeClient(fake.server, { token: 't0', data: { room: 1 } });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.received[0]).toEqual({
        id: 1,
        method: 'connect',
        params: { name: 'relais-js', version: '0.1.0', token: 't0', data: { room: 1 } },
      });
      expect(client.connectResult?.client).toBe('c1');
    });

    it('offers the json subprotocols (v2, then v1) by default and msgpack when asked', async () => {
      const json = fakeClient(fake.server);
      json.connect();
      const msgpack = fakeClient(fake.server, { encoding: msgpackCodec });
      msgpack.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.connections.map((c) => c.socket.protocols)).toEqual([
        ['relais.v2.json', 'relais.v1.json'],
        ['relais.v2.msgpack', 'relais.v1.msgpack'],
      ]);
      expect(msgpack.state).toBe('connected');
      await expect(msgpack.rpc('time')).resolves.toBeNull();
    });

    it('sets binaryType to arraybuffer on the socket', async () => {
      fakeClient(fake.server).connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.current?.socket.binaryType).toBe('arraybuffer');
    });

    it('is a no-op while connecting or connected', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      client.connect();
      expect(fake.server.connections).toHaveLength(1);
    });

    it('resolves ready() once connected', async () => {
      const client = fakeClient(fake.server);
      const ready = client.ready();
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      await expect(ready).resolves.toBeUndefined();
    });

    it('fails early when none of its transports can run here', () => {
      expect(() => fakeClient(fake.server, { websocket: undefined })).toThrow(
        new InvalidOptionsError(
          "no transport can run in this runtime: websocket needs options.websocket (in Node: import WebSocket from 'ws')",
        ),
      );
      expect(() => fakeClient(fake.server, { transports: [] })).toThrow('transports must be a non-empty list of distinct');
      expect(() => fakeClient(fake.server, { transports: ['websocket', 'websocket'] })).toThrow('transports must be a non-empty list');
      expect(() => fakeClient(fake.server, { transports: ['carrier-pigeon' as never] })).toThrow('transports must be a non-empty list');
      expect(() => fakeClient(fake.server, { transports: [sse, sse] })).toThrow('transports must be a non-empty list');
    });

    it('uses the WebSocket alone unless given the fallbacks of @relais/client/fallback', () => {
      expect(resolveOptions({}).transports).toEqual(['websocket']);
      const fetch = (() => Promise.reject(new Error('unused'))) as FetchLike;
      expect(() => fakeClient(fake.server, { websocket: undefined, fetch })).toThrow('websocket needs options.websocket');
      const client = fakeClient(fake.server, { websocket: undefined, fetch, transports: fallbacks });
      expect(client.transport).toBe('http_stream');
      client.close();
    });
  });

  describe('#close', () => {
    it('moves to closed, closes the socket with 1000 and refuses to connect again', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      client.close();
      expect(client.state).toBe('closed');
      expect(fake.server.current?.closed).toEqual({ by: 'client', code: 1000, reason: '' });
      expect(() => client.connect()).toThrow(ClientClosedError);
    });

    it('rejects calls in flight and queued with ClientClosedError', async () => {
      const client = fakeClient(fake.server);
      const queued = client.rpc('before');
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.onCommand((c) => (c.method === 'rpc' ? 'noreply' : undefined));
      const inflight = client.rpc('slow');
      await vi.advanceTimersByTimeAsync(0);
      client.close();
      await expect(queued).resolves.toBeNull();
      await expect(inflight).rejects.toBeInstanceOf(ClientClosedError);
      await expect(client.send('late')).rejects.toBeInstanceOf(ClientClosedError);
    });

    it('does not reconnect after close even if a retry was scheduled', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.closeConnection(3001);
      await vi.advanceTimersByTimeAsync(0);
      expect(client.state).toBe('disconnected');
      client.close();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(fake.server.connections).toHaveLength(1);
    });
  });

  describe('events', () => {
    it('returns a disposer from on() and keeps dispatching when a listener throws', async () => {
      const logger = { debug: vi.fn(), error: vi.fn() };
      const client = fakeClient(fake.server, { logger });
      const seen = recorder<string>();
      client.on('state', () => {
        throw new Error('boom');
      });
      const off = client.on('state', (s) => seen(s.state));
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      off();
      client.close();
      expect(seen.values).toEqual(['connecting', 'connected']);
      expect(logger.error).toHaveBeenCalledTimes(3);
    });

    it('emits message pushes', async () => {
      const client = fakeClient(fake.server);
      const messages = recorder<unknown>();
      client.on('message', messages);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.sendPush({ type: 'message', data: { hello: 1 } });
      await vi.advanceTimersByTimeAsync(0);
      expect(messages.values).toEqual([{ hello: 1 }]);
    });

    it('handles several frames in one WebSocket message, in order', async () => {
      const client = fakeClient(fake.server);
      const messages = recorder<unknown>();
      client.on('message', messages);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      fake.server.current!.write({ type: 'message', data: 1 }, { type: 'message', data: 2 }, { type: 'message', data: 3 });
      await vi.advanceTimersByTimeAsync(0);
      expect(messages.values).toEqual([1, 2, 3]);
    });
  });
});

describe('Client with a bad URL', () => {
  it('stays disconnected with a TransportError when the WebSocket constructor throws', async () => {
    vi.useFakeTimers();
    const Throwing = class {
      constructor() {
        throw new SyntaxError('invalid url');
      }
    } as never;
    const client = new Client('nope', { websocket: Throwing, transports: ['websocket'], window: null, document: null });
    const errors = recorder<unknown>();
    client.on('error', errors);
    client.connect();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.state).toBe('disconnected');
    expect(errors.values[0]).toBeInstanceOf(TransportError);
    vi.useRealTimers();
  });
});

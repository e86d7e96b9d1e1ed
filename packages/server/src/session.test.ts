import { Disconnect, ReplyError, msgpackCodec } from '@relais/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRelais, type Relais } from './node.js';
import type { RelaisOptions } from './options.js';
import { FakeTransport, flushMicrotasks } from './testkit/fake-transport.js';
import { openSession, sendCommands as send, type OpenedSession } from './testkit/sessions.js';

let relais: Relais;

function open(options: RelaisOptions = {}, transport = new FakeTransport()): OpenedSession {
  relais = createRelais(options);
  return openSession(relais, transport);
}

async function connected(options: RelaisOptions = {}): Promise<OpenedSession> {
  const opened = open(options);
  send(opened.session, { id: 1, method: 'connect' });
  await flushMicrotasks();
  return opened;
}

afterEach(async () => {
  vi.useRealTimers();
  await relais?.close();
});

describe('Session', () => {
  describe('#connect', () => {
    it('answers connect with the connection settings and becomes connected', async () => {
      const { transport, session } = await connected({ pingIntervalMs: 1000, pongTimeoutMs: 500, maxMessageBytes: 1024 });
      expect(session.state).toBe('connected');
      expect(transport.reply(1)).toEqual({
        id: 1,
        result: expect.objectContaining({
          client: session.client,
          user: '',
          protocol: 1,
          pingIntervalMs: 1000,
          pongTimeoutMs: 500,
          maxMessageBytes: 1024,
        }),
      });
    });

    it('passes the client params to onConnecting and uses its user, data and channels', async () => {
      const { transport, session } = open();
      const hook = vi.fn(() => ({ user: 'u1', data: { welcome: true }, channels: ['news'] }));
      relais.onConnecting(hook);
      send(session, { id: 1, method: 'connect', params: { token: 't', name: 'relais-js', data: { a: 1 } } });
      await flushMicrotasks();
      expect(hook).toHaveBeenCalledWith(expect.objectContaining({ client: session.client, token: 't', name: 'relais-js', data: { a: 1 } }));
      expect(transport.reply(1)?.result).toMatchObject({ user: 'u1', data: { welcome: true }, channels: ['news'] });
      await relais.publish('news', 'hello');
      await flushMicrotasks();
      expect(transport.pushes('publication')).toEqual([{ type: 'publication', channel: 'news', data: 'hello' }]);
    });

    it('replies a hook ReplyError and then closes with 3505', async () => {
      const { transport, session } = open();
      relais.onConnecting(() => {
        throw new ReplyError(401, 'who are you');
      });
      send(session, { id: 1, method: 'connect' });
      await flushMicrotasks();
      expect(transport.reply(1)).toEqual({ id: 1, error: { code: 401, message: 'who are you', temporary: false } });
      expect(transport.closed).toEqual({ code: 3505, reason: 'connection refused' });
    });

    it('closes with the code of a Disconnect thrown by a hook', async () => {
      const { transport, session } = open();
      relais.onConnecting(() => {
        throw new Disconnect(4501, 'banned');
      });
      send(session, { id: 1, method: 'connect' });
      await flushMicrotasks();
      expect(transport.closed).toEqual({ code: 4501, reason: 'banned' });
    });

    it('answers a second connect with 107', async () => {
      const { transport, session } = await connected();
      send(session, { id: 2, method: 'connect' });
      await flushMicrotasks();
      expect(transport.reply(2)).toMatchObject({ error: { code: 107 } });
    });

    it('closes with 3501 when a command comes before connect', () => {
      const { transport, session } = open();
      send(session, { id: 1, method: 'ping' });
      expect(transport.closed).toEqual({ code: 3501, reason: 'bad request: ping before connect' });
    });

    it('answers a connect pipelined behind the first one with 107', async () => {
      const { transport, session } = open();
      const hook = vi.fn(() => ({}));
      relais.onConnecting(hook);
      send(session, { id: 1, method: 'connect' }, { id: 2, method: 'connect' });
      await flushMicrotasks();
      expect(hook).toHaveBeenCalledTimes(1);
      expect(transport.reply(2)).toMatchObject({ error: { code: 107, message: 'already connected' } });
    });

    it('replies the error of an invalid first command, then closes with 3501', async () => {
      const { transport, session } = open();
      send(session, { id: 1, method: 'connect', params: { colour: 1 } });
      await flushMicrotasks();
      expect(transport.reply(1)).toMatchObject({ error: { code: 107 } });
      expect(transport.closed).toEqual({ code: 3501, reason: 'bad request: connect: unknown field "colour"' });
    });

    it('runs commands pipelined behind connect once it succeeded', async () => {
      const { transport, session } = open();
      send(session, { id: 1, method: 'connect' }, { id: 2, method: 'ping' });
      await flushMicrotasks();
      expect(transport.values().map((v) => v.id)).toEqual([1, 2]);
    });

    it('writes the replies of connect and the commands pipelined with it as one message', async () => {
      const { transport, session } = open();
      send(session, { id: 1, method: 'connect' }, { id: 2, method: 'subscribe', params: { channel: 'news' } }, { id: 3, method: 'ping' });
      await flushMicrotasks();
      expect(transport.frames).toHaveLength(1);
      // Replies follow completion order (matched by id): ping's may come before subscribe's.
      expect(
        transport
          .values()
          .map((v) => v.id)
          .sort(),
      ).toEqual([1, 2, 3]);
    });

    it('does not hold the connect reply past a turn of the event loop for a slow pipelined command', async () => {
      const { transport, session } = open();
      let admit: (value: object) => void = () => {};
      relais.onSubscribe(() => new Promise((resolve) => (admit = resolve)));
      send(session, { id: 1, method: 'connect' }, { id: 2, method: 'subscribe', params: { channel: 'news' } });
      await flushMicrotasks();
      expect(transport.frames).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(transport.values().map((v) => v.id)).toEqual([1]);
      admit({});
      await flushMicrotasks();
      expect(transport.frames).toHaveLength(2);
      expect(transport.reply(2)).toEqual({ id: 2, result: {} });
    });
  });

  describe('#handleMessage', () => {
    it('closes with 3501 on malformed JSON', () => {
      const { transport, session } = open();
      session.handleMessage('{nope');
      expect(transport.closed).toEqual({ code: 3501, reason: 'bad request: invalid JSON in frame line 1' });
    });

    it('closes with 3501 on a command without id', async () => {
      const { transport, session } = await connected();
      send(session, { method: 'ping' });
      expect(transport.closed?.code).toBe(3501);
    });

    it('answers an unknown field with 107 and keeps the connection', async () => {
      const { transport, session } = await connected();
      send(session, { id: 2, method: 'ping', params: { extra: 1 } });
      await flushMicrotasks();
      expect(transport.reply(2)).toMatchObject({ error: { code: 107 } });
      expect(transport.closed).toBeUndefined();
    });

    it('counts commands, messages and errors in stats()', async () => {
      const { session } = await connected();
      send(session, { id: 2, method: 'ping' }, { id: 3, method: 'unsubscribe', params: { channel: 'x' } });
      await flushMicrotasks();
      expect(relais.stats()).toMatchObject({
        connections: 1,
        commands: { connect: 1, ping: 1, unsubscribe: 1 },
        messagesIn: 2,
        errors: { 113: 1 },
      });
      expect(relais.stats().bytesOut).toBeGreaterThan(0);
    });

    it('coalesces the replies of one batch into one transport message', async () => {
      const { transport, session } = await connected();
      const before = transport.frames.length;
      send(session, { id: 2, method: 'ping' }, { id: 3, method: 'ping' }, { id: 4, method: 'ping' });
      await flushMicrotasks();
      expect(transport.frames.length - before).toBe(1);
      expect(
        transport
          .values()
          .slice(-3)
          .map((v) => v.id),
      ).toEqual([2, 3, 4]);
    });
  });

  describe('#subscribe', () => {
    it('delivers publications after the reply and stops after unsubscribe', async () => {
      const { transport, session } = await connected();
      send(session, { id: 2, method: 'subscribe', params: { channel: 'room' } });
      await flushMicrotasks();
      await relais.publish('room', 1);
      send(session, { id: 3, method: 'unsubscribe', params: { channel: 'room' } });
      await flushMicrotasks();
      await relais.publish('room', 2);
      await flushMicrotasks();
      expect(transport.values().slice(1)).toEqual([
        { id: 2, result: {} },
        { type: 'publication', channel: 'room', data: 1 },
        { id: 3, result: {} },
      ]);
    });

    it('answers 105 for a second subscribe, 113 for unsubscribing twice and 106 over the limit', async () => {
      const { transport, session } = await connected({ maxChannelsPerConnection: 1 });
      send(
        session,
        { id: 2, method: 'subscribe', params: { channel: 'a' } },
        { id: 3, method: 'subscribe', params: { channel: 'a' } },
        { id: 4, method: 'subscribe', params: { channel: 'b' } },
        { id: 5, method: 'unsubscribe', params: { channel: 'b' } },
      );
      await flushMicrotasks();
      expect([3, 4, 5].map((id) => (transport.reply(id)?.error as { code: number }).code)).toEqual([105, 106, 113]);
    });

    it('sends a hook error as the reply and logs nothing of an unknown error to the client', async () => {
      const error = vi.fn();
      const { transport, session } = await connected({ logger: { debug() {}, info() {}, warn() {}, error } });
      relais.onSubscribe(({ channel }) => {
        if (channel === 'app') throw new ReplyError(403, 'no');
        throw new Error('secret detail');
      });
      send(session, { id: 2, method: 'subscribe', params: { channel: 'app' } }, { id: 3, method: 'subscribe', params: { channel: 'x' } });
      await flushMicrotasks();
      expect(transport.reply(2)?.error).toEqual({ code: 403, message: 'no', temporary: false });
      expect(transport.reply(3)?.error).toEqual({ code: 100, message: 'internal server error', temporary: true });
      expect(error).toHaveBeenCalledWith(
        expect.objectContaining({ err: expect.objectContaining({ message: 'secret detail' }) }),
        'command failed',
      );
    });
  });

  describe('#rpc', () => {
    it('answers 114 when the handler is slower than rpcTimeoutMs', async () => {
      vi.useFakeTimers();
      const { transport, session } = await connected({ rpcTimeoutMs: 100 });
      relais.rpc('slow', () => new Promise(() => {}));
      send(session, { id: 2, method: 'rpc', params: { method: 'slow' } });
      await vi.advanceTimersByTimeAsync(99);
      expect(transport.reply(2)).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(transport.reply(2)?.error).toMatchObject({ code: 114, temporary: true });
    });
  });

  describe('heartbeat', () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });

    it('closes with 3014 when connect does not arrive within connectTimeoutMs', async () => {
      const { transport } = open({ connectTimeoutMs: 1000 });
      await vi.advanceTimersByTimeAsync(999);
      expect(transport.closed).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(transport.closed).toEqual({ code: 3014, reason: 'connect timeout' });
    });

    it('pushes a ping every pingIntervalMs', async () => {
      const { transport } = await connected({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
      await vi.advanceTimersByTimeAsync(999);
      expect(transport.pushes('ping')).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(transport.pushes('ping')).toHaveLength(1);
    });

    it('closes with 3012 after pingIntervalMs + pongTimeoutMs of silence', async () => {
      const { transport } = await connected({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
      await vi.advanceTimersByTimeAsync(1499);
      expect(transport.closed).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(transport.closed).toEqual({ code: 3012, reason: 'no pong' });
    });

    it('counts any inbound frame as liveness', async () => {
      const { transport, session } = await connected({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
      await vi.advanceTimersByTimeAsync(1200);
      send(session, { id: 2, method: 'ping' });
      await vi.advanceTimersByTimeAsync(1499);
      expect(transport.closed).toBeUndefined();
      await vi.advanceTimersByTimeAsync(1);
      expect(transport.closed?.code).toBe(3012);
    });
  });

  describe('writes', () => {
    it('closes with 3008 when the transport buffers more than maxQueueBytes', async () => {
      const { transport, session } = await connected({ maxQueueBytes: 100_000, maxMessageBytes: 1000 });
      transport.bufferedBytes = 100_000;
      send(session, { id: 2, method: 'ping' });
      await flushMicrotasks();
      expect(transport.closed).toEqual({ code: 3008, reason: 'slow consumer' });
      expect(relais.stats().disconnects).toMatchObject({ 3008: 1 });
    });

    it('closes with 3009 when a write fails', async () => {
      const { transport, session } = await connected();
      transport.failWrites();
      send(session, { id: 2, method: 'ping' });
      await flushMicrotasks();
      expect(transport.closed?.code).toBe(3009);
    });

    it('writes MessagePack frames on a MessagePack transport', async () => {
      const { transport, session } = open({}, new FakeTransport({ codec: msgpackCodec }));
      session.handleMessage(msgpackCodec.encode({ id: 1, method: 'connect' }));
      await flushMicrotasks();
      expect(transport.frames[0]).toBeInstanceOf(Uint8Array);
      expect(transport.reply(1)?.result).toMatchObject({ protocol: 1 });
    });
  });
});

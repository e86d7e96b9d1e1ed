import { msgpackCodec } from '@relais/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from './logger.js';
import { createRelais, type Relais } from './node.js';
import { nested } from './testkit/deliverable-suite.js';
import { FakeTransport, flushMicrotasks } from './testkit/fake-transport.js';
import { connectSession, sendCommands as send } from './testkit/sessions.js';

const NAMESPACES = { kept: { historySize: 10, historyTtlMs: 60_000 } };
const INTERNAL = { code: 100, message: 'internal server error', temporary: true };
let relais: Relais;
let logged: string[];

/** Records error lines as `message: err.message`. */
function recordingLogger(): Logger {
  const noop = () => {};
  const error = (fields: object, message?: string) => void logged.push(`${message}: ${(fields as { err?: Error }).err?.message}`);
  return { debug: noop, info: noop, warn: noop, error };
}

function node(): Relais {
  logged = [];
  relais = createRelais({ namespaces: NAMESPACES, logger: recordingLogger() });
  return relais;
}

afterEach(async () => {
  await relais?.close();
});

describe('server-side data', () => {
  describe('hook results', () => {
    it.each([
      [
        'replaced by NaN',
        () => ({ data: Number.NaN }),
        'onPublish hook left data that cannot be published: data is NaN, which JSON cannot carry',
      ],
      [
        'changed in place to hold a Date',
        (event: { data: unknown }) => void ((event.data as Record<string, unknown>).at = new Date(0)),
        'onPublish hook left data that cannot be published: data.at is a timestamp (Date), which JSON cannot carry',
      ],
    ])('answers 100 and logs the hook problem when onPublish data is %s; nothing is published', async (_name, hook, message) => {
      node().onPublish(hook);
      const { transport, session } = await connectSession(relais, new FakeTransport({ codec: msgpackCodec }));
      send(session, { id: 2, method: 'publish', params: { channel: 'kept:a', data: {} } });
      await flushMicrotasks();
      expect(transport.reply(2)).toEqual({ id: 2, error: INTERNAL });
      expect(logged).toEqual([`command failed: ${message}`]);
      expect((await relais.history('kept:a')).position.offset).toBe(0);
    });

    it.each([
      [
        'a user with a lone surrogate',
        { user: 'ada\ud800' },
        'an identity that cannot be delivered: user must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [
        'binary info',
        { user: 'ada', info: { avatar: Uint8Array.from([1]) } },
        'an identity that cannot be delivered: info.avatar is binary data, which JSON cannot carry',
      ],
      [
        'data with a __proto__ key',
        { data: JSON.parse('{"__proto__":1}') as unknown },
        'data that cannot be sent: data has the key "__proto__", which is not allowed (MessagePack refuses it)',
      ],
    ])('refuses an onConnecting result with %s: 100, then 3505', async (_name, result, message) => {
      node().onConnecting(() => result);
      const { transport } = await connectSession(relais);
      expect(transport.reply(1)).toEqual({ id: 1, error: INTERNAL });
      expect(transport.closed).toMatchObject({ code: 3505 });
      expect(logged).toEqual([`command failed: onConnecting hook returned ${message}`]);
    });

    it('refuses onSubscribe data deeper than maxDataDepth before the channel is held', async () => {
      node().onSubscribe(() => ({ data: nested(33) }));
      const { transport, session } = await connectSession(relais);
      send(session, { id: 2, method: 'subscribe', params: { channel: 'kept:a' } });
      await flushMicrotasks();
      expect(transport.reply(2)).toEqual({ id: 2, error: INTERNAL });
      expect(session.channels.has('kept:a')).toBe(false);
      expect(logged).toEqual(['command failed: onSubscribe hook returned data that cannot be sent: data is nested deeper than 32 levels']);
    });

    it('refuses an rpc result with a __proto__ key, and keeps binary results', async () => {
      node().rpc('bad', () => JSON.parse('{"a":{"__proto__":1}}') as unknown);
      relais.rpc('bytes', () => Uint8Array.from([1, 2]));
      const { transport, session } = await connectSession(relais, new FakeTransport({ codec: msgpackCodec }));
      send(session, { id: 2, method: 'rpc', params: { method: 'bad' } }, { id: 3, method: 'rpc', params: { method: 'bytes' } });
      await flushMicrotasks();
      expect(transport.reply(2)).toEqual({ id: 2, error: INTERNAL });
      expect(transport.reply(3)).toEqual({ id: 3, result: { data: Uint8Array.from([1, 2]) } });
      expect(logged).toEqual([
        'command failed: rpc handler "bad" returned data that cannot be sent: data.a has the key "__proto__", which is not allowed (MessagePack refuses it)',
      ]);
    });
  });

  describe('the server API', () => {
    it('rejects undeliverable publish data and options with a TypeError', async () => {
      node();
      await expect(relais.publish('kept:a', { x: [Number.POSITIVE_INFINITY] })).rejects.toThrow(
        new TypeError('relais.publish: data.x[0] is Infinity, which JSON cannot carry'),
      );
      await expect(relais.publish('kept:a', 1, { event: '\udc00' })).rejects.toThrow(
        'relais.publish: options.event must be well-formed Unicode',
      );
      await expect(relais.publish('kept:a', 1, { idempotencyKey: 'k\ud800' })).rejects.toThrow(
        'relais.publish: options.idempotencyKey must be well-formed Unicode',
      );
      expect((await relais.history('kept:a')).position.offset).toBe(0);
    });

    it('rejects messages and subscribe data deeper than maxDataDepth, and holds nothing', async () => {
      node();
      const { session } = await connectSession(relais);
      expect(() => relais.sendToClient(session.client, nested(33))).toThrow('relais.sendToClient: data is nested deeper than 32 levels');
      expect(() => relais.sendToUser('', nested(33))).toThrow('relais.sendToUser: data is nested deeper than 32 levels');
      await expect(relais.subscribe(session.client, 'kept:a', nested(33))).rejects.toThrow(
        'relais.subscribe: data is nested deeper than 32 levels',
      );
      await expect(relais.subscribe(session.client, 'kept:a', { n: 1n })).rejects.toThrow(TypeError);
      expect(session.channels.size).toBe(0);
      expect(await relais.subscribe(session.client, 'kept:a', { ok: true })).toBe(true);
    });

    it('keeps binary in messages to one connection', async () => {
      node();
      const { transport, session } = await connectSession(relais, new FakeTransport({ codec: msgpackCodec }));
      expect(relais.sendToClient(session.client, Uint8Array.from([7]))).toBe(true);
      await flushMicrotasks();
      expect(transport.pushes('message')).toEqual([{ type: 'message', data: Uint8Array.from([7]) }]);
    });
  });
});

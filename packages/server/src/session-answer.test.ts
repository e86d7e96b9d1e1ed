import { msgpackCodec } from '@relais/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Broker, BrokerEventHandler } from './broker.js';
import type { Logger } from './logger.js';
import { MemoryBroker } from './memory/memory-broker.js';
import { createRelais, type Relais } from './node.js';
import type { RelaisOptions } from './options.js';
import { delegatingBroker } from './testkit/delegating-broker.js';
import { FakeTransport, flushMicrotasks } from './testkit/fake-transport.js';
import { connectSession, sendCommands as send } from './testkit/sessions.js';

let relais: Relais;

afterEach(async () => {
  await relais?.close();
});

function recordingLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  const noop = () => {};
  return { errors, debug: noop, info: noop, warn: noop, error: (_fields: object, message?: string) => void errors.push(message ?? '') };
}

/** A memory engine that, as a subscribe starts, delivers a publication no encoder can write. */
function poisoningBroker(): Broker {
  const memory = new MemoryBroker();
  let handler: BrokerEventHandler | undefined;
  return delegatingBroker(memory, {
    start: (events) => {
      handler = events;
      return memory.start(events);
    },
    subscribe: async (channel) => {
      await memory.subscribe(channel);
      handler?.handlePublication({ channel, data: { n: 1n } });
    },
  });
}

async function connected(options: RelaisOptions, transport?: FakeTransport) {
  relais = createRelais(options);
  return connectSession(relais, transport);
}

const repliesTo = (transport: FakeTransport, id: number) => transport.values().filter((value) => value.id === id);

describe('Session', () => {
  describe('answers every command once', () => {
    it.each([
      ['JSON', undefined],
      ['MessagePack', msgpackCodec],
    ])('answers a subscribe whose result cannot be encoded (%s) with 100 and releases its channel', async (_name, codec) => {
      const logger = recordingLogger();
      const { transport, session } = await connected({ logger }, new FakeTransport(codec ? { codec } : {}));
      const hook = vi
        .fn()
        .mockReturnValueOnce({ data: { n: 1n } })
        .mockReturnValue(undefined);
      relais.onSubscribe(hook);
      send(session, { id: 2, method: 'subscribe', params: { channel: 'news' } });
      await flushMicrotasks();
      expect(repliesTo(transport, 2)).toEqual([{ id: 2, error: { code: 100, message: 'internal server error', temporary: true } }]);
      expect(session.channels.has('news')).toBe(false);

      send(session, { id: 3, method: 'subscribe', params: { channel: 'news' } });
      await flushMicrotasks();
      expect(transport.reply(3)).toEqual({ id: 3, result: {} });
      await relais.publish('news', 'hello');
      await flushMicrotasks();
      expect(transport.pushes('publication')).toEqual([{ type: 'publication', channel: 'news', data: 'hello' }]);
      expect(logger.errors).toEqual(['command result could not be encoded']);
    });

    it('closes with 3004, after the one reply, when what follows the reply fails', async () => {
      const logger = recordingLogger();
      const { transport, session } = await connected({ logger, engine: { broker: poisoningBroker() } });
      send(session, { id: 2, method: 'subscribe', params: { channel: 'news' } });
      await flushMicrotasks();
      expect(repliesTo(transport, 2)).toEqual([{ id: 2, result: {} }]);
      expect(transport.closed).toEqual({ code: 3004, reason: 'internal server error' });
      expect(logger.errors).toEqual(['command failed after its handler; closing the connection']);
    });

    it('answers a connect whose result cannot be encoded with 100, then closes with 3505', async () => {
      relais = createRelais({ logger: recordingLogger() });
      relais.onConnecting(() => ({ data: { n: 1n }, channels: ['news'] }));
      const transport = new FakeTransport();
      const { session } = await connectSession(relais, transport);
      expect(repliesTo(transport, 1)).toEqual([{ id: 1, error: { code: 100, message: 'internal server error', temporary: true } }]);
      expect(transport.closed).toMatchObject({ code: 3505 });
      expect(session.channels.size).toBe(0);
    });
  });
});

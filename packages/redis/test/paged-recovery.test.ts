/**
 * Recovery and history larger than a connection's send queue, over real sockets, on the memory
 * engine and on Redis (hardening item 3): a namespace keeping 200 publications, a subscriber
 * offline while 100 × 16 kB are published (1.6 MB, over the default 1 MiB maxQueueBytes). The
 * SDK recovers every one exactly once and in order, with `recovered: true`, one reconnect and no
 * 3008; a raw client that does not page gets `recovered: false`; a history read over the page
 * size comes in pages that the SDK assembles. Before paging, each recovery reply closed the
 * connection with 3008 and the SDK reconnected forever.
 */
import { Client, type ClientOptions, type StateChange, type SubscriptionStateChange } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL } from '@relais/protocol';
import { createRelais, type EngineOptions, type Relais } from '@relais/server';
import { TestClient } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { cuttableSockets, until } from '../../client/test/sockets.js';
import { RedisBroker } from '../src/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis-helpers.js';

const CHANNEL = 'big:room';
const MISSED = 100;
const PAD = 'x'.repeat(16_000);

interface Engine {
  name: string;
  make(): { engine?: EngineOptions; cleanup(): Promise<void> };
}

const ENGINES: Engine[] = [
  { name: 'memory', make: () => ({ cleanup: async () => {} }) },
  {
    name: 'Redis',
    make: () => {
      const prefix = uniquePrefix('paging');
      return { engine: { broker: new RedisBroker({ urls: [REDIS_URL], prefix }) }, cleanup: () => deleteKeys(REDIS_URL, prefix) };
    },
  },
];

describe.each(ENGINES)('a recovery larger than the send queue ($name engine)', (engineCase) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A node with the default maxQueueBytes and a namespace keeping 200 publications. */
  async function start(): Promise<{ relais: Relais; url: string }> {
    const { engine, cleanup } = engineCase.make();
    cleanups.push(cleanup);
    const relais = createRelais({ engine, namespaces: { big: { historySize: 200, historyTtlMs: 600_000 } } });
    cleanups.push(() => relais.close());
    const { port } = await relais.listen({ port: 0, host: '127.0.0.1' });
    return { relais, url: `ws://127.0.0.1:${port}${relais.options.path}` };
  }

  function sdk(url: string, options: ClientOptions): Client {
    const client = new Client(url, {
      websocket: WebSocket,
      minReconnectDelayMs: 5,
      maxReconnectDelayMs: 30,
      window: null,
      document: null,
      ...options,
    });
    cleanups.push(async () => client.close());
    client.connect();
    return client;
  }

  async function publishMissed(relais: Relais, from = 1): Promise<void> {
    for (let n = from; n < from + MISSED; n++) await relais.publish(CHANNEL, { n, pad: PAD });
  }

  it.each(['json', 'msgpack'] as const)(
    'recovers every publication once, in order, with recovered:true and one reconnect (%s)',
    async (encoding) => {
      const { relais, url } = await start();
      const sockets = cuttableSockets();
      const client = sdk(url, { websocket: sockets.WebSocket, encoding: encoding === 'msgpack' ? msgpack : 'json' });
      const closes: (number | undefined)[] = [];
      client.on('state', (change: StateChange) => {
        if (change.state === 'disconnected') closes.push(change.code);
      });
      const sub = client.subscribe<{ n: number }>(CHANNEL);
      const received: number[] = [];
      const recovered: (boolean | undefined)[] = [];
      sub.on('publication', (pub) => received.push(pub.data.n));
      sub.on('state', (change: SubscriptionStateChange) => {
        if (change.state === 'subscribed' && change.recovered !== undefined) recovered.push(change.recovered);
      });
      await until(() => sub.state === 'subscribed', 'the first subscribe');
      await relais.publish(CHANNEL, { n: 0, pad: PAD });
      await until(() => received.length === 1, 'the first publication');

      sockets.blocked = true;
      sockets.cut();
      await until(() => sub.state === 'subscribing', 'the subscriber to notice the cut');
      await publishMissed(relais);
      sockets.blocked = false;

      await until(() => recovered.length > 0, 'the recovering resubscribe');
      await relais.publish(CHANNEL, { n: MISSED + 1, pad: PAD });
      await until(() => received.at(-1) === MISSED + 1, 'a live publication');
      expect(received).toEqual(Array.from({ length: MISSED + 2 }, (_, n) => n));
      expect(recovered).toEqual([true]);
      expect(client.stats().reconnects).toBe(1);
      expect(closes).not.toContain(3008);
      expect(relais.stats().disconnects).not.toHaveProperty('3008');
    },
  );

  it('answers recovered:false, and stays connected, to a raw client that does not page', async () => {
    const { relais, url } = await start();
    const { epoch } = await relais.publish(CHANNEL, { n: 0, pad: PAD });
    await publishMissed(relais);
    for (const protocols of [JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL]) {
      const raw = await TestClient.open(url, { protocols });
      cleanups.push(async () => void (await raw.close()));
      const connected = await raw.call<{ maxPageBytes: number }>('connect');
      expect(connected.maxPageBytes).toBe(524_288);
      const result = await raw.call('subscribe', { channel: CHANNEL, since: { offset: 1, epoch } });
      expect(result).toEqual({ recoverable: true, offset: MISSED + 1, epoch, recovered: false });
      expect(await raw.call('ping')).toEqual({});
    }
    expect(relais.stats().disconnects).not.toHaveProperty('3008');
  });

  it('pages a history read over the page size, and the SDK assembles the pages', async () => {
    const { relais, url } = await start();
    await publishMissed(relais, 0);
    const raw = await TestClient.open(url, { protocols: JSON_SUBPROTOCOL });
    cleanups.push(async () => void (await raw.close()));
    await raw.call('connect');
    await raw.call('subscribe', { channel: CHANNEL });
    const page = await raw.call<{ publications: { offset: number }[]; more?: boolean }>('history', { channel: CHANNEL });
    expect(page.more).toBe(true);
    expect(page.publications.map((pub) => pub.offset)).toEqual(Array.from({ length: page.publications.length }, (_, i) => i + 1));
    expect(page.publications.length).toBeLessThan(MISSED / 2);

    const client = sdk(url, {});
    const sub = client.subscribe<{ n: number }>(CHANNEL);
    await until(() => sub.state === 'subscribed', 'the subscribe');
    const all = await sub.history();
    expect(all.publications.map((pub) => pub.data.n)).toEqual(Array.from({ length: MISSED }, (_, n) => n));
    const newest = await sub.history({ reverse: true, limit: 150 });
    expect(newest.publications.map((pub) => pub.data.n)).toEqual(Array.from({ length: MISSED }, (_, n) => MISSED - 1 - n));
    expect(relais.stats().disconnects).not.toHaveProperty('3008');
  });
});

/**
 * Protocol v2's compact publications end to end, over real sockets, on the memory engine and on
 * Redis, in JSON and MessagePack (issue #22, wire overhead): the SDK negotiates `relais.v2.*`,
 * the fan-out writes `{c, o, d}` without the epoch, and the SDK still recovers exactly after a
 * cut and follows a stream reset mid-subscription (the epoch written when it changes). A v1
 * client on the same channel keeps getting the v1 push, epoch included.
 */
import { Client, type ClientOptions, type SubscriptionStateChange } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import { JSON_SUBPROTOCOL, JSON_V2_SUBPROTOCOL, MSGPACK_V2_SUBPROTOCOL, codecForSubprotocol, type Frame } from '@relais/protocol';
import { MemoryBroker, MemoryBus, createRelais, type EngineOptions, type Relais } from '@relais/server';
import { TestClient } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { until } from '../../client/test/sockets.js';
import { RedisBroker } from '../src/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis-helpers.js';

const CHANNEL = 'chat:room-42';
const HISTORY_TTL_MS = 60_000;

interface EngineCase {
  name: string;
  /** The engine, its cleanup, and a stream reset: the channel's next publication starts a new epoch. */
  make(): { engine: EngineOptions; cleanup(): Promise<void>; reset(): Promise<void> };
}

const ENGINES: EngineCase[] = [
  {
    name: 'memory',
    make: () => {
      // An injected clock: moving it past the history and meta TTLs makes the bus forget the stream.
      let now = Date.now();
      const bus = new MemoryBus({ now: () => now, historyMetaTtlMs: HISTORY_TTL_MS });
      return {
        engine: { broker: new MemoryBroker({ bus }) },
        cleanup: async () => {},
        reset: async () => {
          now += 10 * HISTORY_TTL_MS;
        },
      };
    },
  },
  {
    name: 'Redis',
    make: () => {
      const prefix = uniquePrefix('compact');
      // Redis losing the channel's keys (a flush, a failover without persistence) resets the stream.
      const cleanup = (): Promise<void> => deleteKeys(REDIS_URL, prefix);
      return { engine: { broker: new RedisBroker({ urls: [REDIS_URL], prefix }) }, cleanup, reset: cleanup };
    },
  },
];

/** A WebSocket constructor that records what it receives, and whose sockets can be cut. */
function recordingSockets() {
  const sockets: WebSocket[] = [];
  const control = {
    blocked: false,
    protocols: [] as string[],
    /** Every value received, decoded with the negotiated subprotocol's codec. */
    values: [] as unknown[],
    WebSocket: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(control.blocked ? 'ws://127.0.0.1:1/' : url, protocols);
        sockets.push(this);
        this.on('message', (data: Buffer, isBinary: boolean) => {
          control.protocols.push(this.protocol);
          const frame: Frame = isBinary ? new Uint8Array(data) : data.toString();
          control.values.push(...codecForSubprotocol(this.protocol)!.decode(frame));
        });
      }
    },
    cut(): void {
      for (const ws of sockets.splice(0)) ws.terminate();
    },
  };
  return control;
}

describe.each(ENGINES)('compact publications ($name engine)', (engineCase) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function start(): Promise<{ relais: Relais; url: string; reset(): Promise<void> }> {
    const { engine, cleanup, reset } = engineCase.make();
    cleanups.push(cleanup);
    const relais = createRelais({ engine, namespaces: { chat: { historySize: 100, historyTtlMs: HISTORY_TTL_MS } } });
    cleanups.push(() => relais.close());
    const { port } = await relais.listen({ port: 0, host: '127.0.0.1' });
    return { relais, url: `ws://127.0.0.1:${port}${relais.options.path}`, reset };
  }

  async function subscriber(url: string, options: ClientOptions) {
    const sockets = recordingSockets();
    const client = new Client(url, {
      websocket: sockets.WebSocket,
      minReconnectDelayMs: 5,
      maxReconnectDelayMs: 30,
      window: null,
      document: null,
      ...options,
    });
    cleanups.push(async () => client.close());
    client.connect();
    const sub = client.subscribe<number>(CHANNEL);
    const received: number[] = [];
    const recovered: (boolean | undefined)[] = [];
    sub.on('publication', (pub) => received.push(pub.data));
    sub.on('state', (change: SubscriptionStateChange) => {
      if (change.state === 'subscribed' && change.recovered !== undefined) recovered.push(change.recovered);
    });
    await until(() => sub.state === 'subscribed', 'the first subscribe');
    return { client, sub, sockets, received, recovered };
  }

  /** The publication frames received, as decoded values. */
  const publications = (values: unknown[]): Record<string, unknown>[] =>
    (values as Record<string, unknown>[]).filter((value) => 'c' in value || value.type === 'publication');

  it.each([
    ['json', JSON_V2_SUBPROTOCOL],
    ['msgpack', MSGPACK_V2_SUBPROTOCOL],
  ] as const)('negotiates v2, recovers exactly after a cut and follows a stream reset (%s)', async (encoding, subprotocol) => {
    const { relais, url, reset } = await start();
    const s = await subscriber(url, { encoding: encoding === 'msgpack' ? msgpack : 'json' });
    expect(s.client.connectResult?.protocol).toBe(2);
    for (let n = 1; n <= 3; n++) await relais.publish(CHANNEL, n);
    await until(() => s.received.length === 3, 'three live publications');
    const { epoch } = (await relais.history(CHANNEL, { limit: 0 })).position;
    expect(new Set(s.sockets.protocols)).toEqual(new Set([subprotocol]));
    // The first publication after the subscribe carries the epoch; the next ones do not.
    expect(publications(s.sockets.values)).toEqual([
      { c: CHANNEL, o: 1, ep: epoch, d: 1 },
      { c: CHANNEL, o: 2, d: 2 },
      { c: CHANNEL, o: 3, d: 3 },
    ]);

    // A cut: what is published meanwhile is recovered, once each, in order.
    s.sockets.blocked = true;
    s.sockets.cut();
    await until(() => s.sub.state === 'subscribing', 'the subscriber to notice the cut');
    for (let n = 4; n <= 8; n++) await relais.publish(CHANNEL, n);
    s.sockets.blocked = false;
    await until(() => s.recovered.length === 1, 'the recovering resubscribe');
    await relais.publish(CHANNEL, 9);
    await until(() => s.received.at(-1) === 9, 'a live publication after the recovery');
    expect(s.recovered).toEqual([true]);
    expect(s.received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    // The stream is reset while subscribed: offsets start again at 1 in a new epoch. The
    // compact push says so (ep), or the SDK would drop offsets 1 and 2 as duplicates.
    await reset();
    await relais.publish(CHANNEL, 10);
    await relais.publish(CHANNEL, 11);
    await until(() => s.received.at(-1) === 11, 'the publications of the new epoch');
    const after = (await relais.history(CHANNEL, { limit: 0 })).position;
    expect(after.epoch).not.toBe(epoch);
    expect(publications(s.sockets.values).slice(-2)).toEqual([
      { c: CHANNEL, o: 1, ep: after.epoch, d: 10 },
      { c: CHANNEL, o: 2, d: 11 },
    ]);
    expect(s.sub.position).toEqual({ offset: 2, epoch: after.epoch });

    // And recovery goes on from the new epoch.
    s.sockets.blocked = true;
    s.sockets.cut();
    await until(() => s.sub.state === 'subscribing', 'the second cut');
    await relais.publish(CHANNEL, 12);
    s.sockets.blocked = false;
    await until(() => s.recovered.length === 2, 'the second recovering resubscribe');
    await relais.publish(CHANNEL, 13);
    await until(() => s.received.at(-1) === 13, 'a live publication after the second recovery');
    expect(s.recovered).toEqual([true, true]);
    expect(s.received).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('keeps the v1 push, epoch and all, for a v1 client subscribed beside a v2 one', async () => {
    const { relais, url } = await start();
    const v2 = await subscriber(url, {});
    const v1 = await TestClient.open(url, { protocols: JSON_SUBPROTOCOL });
    cleanups.push(async () => {
      await v1.close();
    });
    await v1.call('connect', {});
    await v1.call('subscribe', { channel: CHANNEL });
    await relais.publish(CHANNEL, 1);
    await relais.publish(CHANNEL, 2);
    const { epoch } = (await relais.history(CHANNEL, { limit: 0 })).position;
    expect(await v1.nextPush()).toEqual({ type: 'publication', channel: CHANNEL, data: 1, offset: 1, epoch });
    expect(await v1.nextPush()).toEqual({ type: 'publication', channel: CHANNEL, data: 2, offset: 2, epoch });
    await until(() => v2.received.length === 2, 'the v2 subscriber');
    expect(publications(v2.sockets.values)).toEqual([
      { c: CHANNEL, o: 1, ep: epoch, d: 1 },
      { c: CHANNEL, o: 2, d: 2 },
    ]);
  });
});

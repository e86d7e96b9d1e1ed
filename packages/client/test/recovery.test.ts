/**
 * Recovery end to end over real sockets: a subscriber's socket is destroyed (no close frame)
 * while a publisher keeps publishing; after the SDK reconnects the subscriber must hold exactly
 * the published sequence, no gap and no duplicate, or be told `recovered: false` when the
 * history no longer reaches back to its position.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRelais, type Relais } from '@relais/server';
import { Client, type ClientOptions, type SubscriptionStateChange } from '@relais/client';
import { cuttableSockets, until } from './sockets.js';

const namespaces = {
  chat: { historySize: 1_000, historyTtlMs: 600_000 },
  short: { historySize: 5, historyTtlMs: 600_000 },
};

describe('recovery against a real relais node', () => {
  let relais: Relais;
  let url: string;
  const open: Client[] = [];
  const options: ClientOptions = { minReconnectDelayMs: 5, maxReconnectDelayMs: 30, timeoutMs: 15_000, window: null, document: null };

  beforeAll(async () => {
    relais = createRelais({ namespaces });
    const { port } = await relais.listen({ port: 0 });
    url = `ws://127.0.0.1:${port}/connection/websocket`;
  });
  afterAll(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
    await relais.close();
  });

  function client(extra: ClientOptions = {}): Client {
    const c = new Client(url, { websocket: WebSocket, ...options, ...extra });
    open.push(c);
    c.connect();
    return c;
  }

  /** A subscriber that records data and the `recovered` flags of its resubscribes. */
  async function subscriber(channel: string) {
    const sockets = cuttableSockets();
    const c = client({ websocket: sockets.WebSocket });
    const sub = c.subscribe<number>(channel);
    const received: number[] = [];
    const recovered: (boolean | undefined)[] = [];
    sub.on('publication', (pub) => received.push(pub.data));
    sub.on('state', (change: SubscriptionStateChange) => {
      if (change.state === 'subscribed' && change.previous === 'subscribing' && change.recovered !== undefined)
        recovered.push(change.recovered);
    });
    await until(() => sub.state === 'subscribed', 'the first subscribe');
    return { client: c, sub, sockets, received, recovered };
  }

  /** Publishes a sentinel and waits for it: anything duplicated would have arrived before it. */
  async function drain(s: { received: number[] }, channel: string, publisher: Client): Promise<void> {
    await publisher.publish(channel, -1);
    await until(() => s.received.at(-1) === -1, 'the sentinel');
    s.received.pop();
  }

  it('delivers exactly the published sequence across socket cuts while a publisher keeps publishing', async () => {
    const publisher = client();
    const s = await subscriber('chat:cuts');
    const total = 200;
    const publishing = (async () => {
      for (let n = 1; n <= total; n++) await publisher.publish('chat:cuts', n);
    })();
    for (const [cuts, after] of [20, 70, 120].entries()) {
      // Cut a live subscription: the previous cut's resubscribe has its reply.
      await until(() => s.received.length >= after && s.recovered.length === cuts, `${after} publications`);
      s.sockets.cut();
    }
    await publishing;
    await until(() => s.received.length >= total, 'every publication');
    await drain(s, 'chat:cuts', publisher);
    expect(s.received).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(s.recovered).toEqual([true, true, true]);
    expect(s.client.stats().reconnects).toBe(3);
  });

  it('says recovered:false when the history was trimmed past its position, then goes on live', async () => {
    const publisher = client();
    const s = await subscriber('short:trim');
    await publisher.publish('short:trim', 1);
    await until(() => s.received.length === 1, 'the first publication');
    s.sockets.blocked = true;
    s.sockets.cut();
    await until(() => s.sub.state === 'subscribing', 'the subscriber to notice the cut');
    for (let n = 2; n <= 10; n++) await publisher.publish('short:trim', n); // history keeps 6..10
    s.sockets.blocked = false;
    await until(() => s.recovered.length === 1, 'the resubscribe');
    expect(s.recovered).toEqual([false]);
    await publisher.publish('short:trim', 11);
    await until(() => s.received.at(-1) === 11, 'a live publication');
    expect(s.received).toEqual([1, 11]);
    expect(s.sub.position?.offset).toBe(11);
  });

  it('recovers exactly, for any schedule of cuts and outages (property)', async () => {
    const publisher = client();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ after: fc.integer({ min: 0, max: 40 }), outage: fc.integer({ min: 0, max: 4 }) }), {
          minLength: 1,
          maxLength: 6,
        }),
        async (cuts) => {
          const channel = `chat:prop-${++run}`;
          const s = await subscriber(channel);
          let n = 0;
          for (const { after, outage } of cuts) {
            for (let i = 0; i < after; i++) await publisher.publish(channel, ++n);
            // Cut while publications are still in flight to the subscriber.
            s.sockets.blocked = outage > 0;
            s.sockets.cut();
            // Publications made while the subscriber is away (outage > 0: surely away).
            for (let i = 0; i < outage; i++) await publisher.publish(channel, ++n);
            s.sockets.blocked = false;
          }
          for (let i = 0; i < 3; i++) await publisher.publish(channel, ++n);
          await until(() => s.received.length >= n && s.sub.state === 'subscribed', `${n} publications on ${channel}`);
          await drain(s, channel, publisher);
          await s.client.close();
          expect(s.received).toEqual(Array.from({ length: n }, (_, i) => i + 1));
          expect(s.recovered.every((r) => r)).toBe(true);
        },
      ),
      { numRuns: 40, seed: 20_261_123 },
    );
  });
});

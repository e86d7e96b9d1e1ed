/**
 * Commands cut short by the end of their connection, over real sockets: whatever a subscribe
 * or a connect reserved (the hub's hold on the channel's publications, the broker
 * subscription, the presence entry, the token timer) is given back, however the connection
 * ended and wherever the command was when it did.
 */
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { SECRET, sign } from './auth/tokens.e2e-helpers.js';
import { useTestNodes, type TestNode } from './testkit/test-node.js';
import type { RelaisOptions } from './options.js';
import { TestClient } from './testkit/ws-client.js';

const start = useTestNodes();

const OPTIONS: RelaisOptions = {
  auth: { hmacSecret: SECRET, allowAnonymous: true },
  namespaces: {
    room: { presence: true, joinLeave: true, historySize: 10, historyTtlMs: 60_000 },
    secret: { subscribeAccess: 'token', presence: true },
  },
};

const NOTHING_HELD = { holds: 0, brokerChannels: 0, presenceEntries: 0, tokenTimers: 0 };

/** A gate a hook waits on, opened by the test. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = (): void => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

async function settled(e2e: TestNode): Promise<void> {
  await expect.poll(() => e2e.relais.connections, { timeout: 5_000 }).toBe(0);
  await expect.poll(() => e2e.relais.stats().resources, { timeout: 5_000 }).toEqual(NOTHING_HELD);
  expect(e2e.relais.stats().subscriptions).toBe(0);
}

describe('a command cut short by the end of its connection', () => {
  it('releases a subscribe whose connection closed while its hook ran (before anything was reserved)', async () => {
    const e2e = await start(OPTIONS);
    const hook = gate();
    let entered = 0;
    e2e.relais.onSubscribe(async () => {
      entered++;
      await hook.wait;
    });
    const client = await e2e.connect();
    client.sendValues([{ id: 2, method: 'subscribe', params: { channel: 'room:a' } }]);
    await expect.poll(() => entered).toBe(1);
    client.ws.terminate();
    await expect.poll(() => e2e.relais.connections).toBe(0);
    hook.open();
    await settled(e2e);
    // The channel still works for others: nothing was left holding its publications.
    const other = await e2e.connect();
    await other.call('subscribe', { channel: 'room:a' });
    await e2e.relais.publish('room:a', 'after');
    expect(await other.nextPush((push) => push.type === 'publication')).toMatchObject({ data: 'after' });
  });

  it('releases a subscribe followed, in the same write, by a frame that closes the connection with 3501', async () => {
    const e2e = await start(OPTIONS);
    const clients = await Promise.all(Array.from({ length: 50 }, () => e2e.connect()));
    for (const [i, client] of clients.entries()) {
      // Two WebSocket messages sent in one tick: the second breaks the protocol.
      client.sendValues([{ id: 2, method: 'subscribe', params: { channel: `room:${i % 5}` } }]);
      client.sendRaw('not json');
    }
    const closes = await Promise.all(clients.map((client) => client.closed));
    expect(new Set(closes.map((close) => close.code))).toEqual(new Set([3501]));
    await settled(e2e);
  });

  it('releases subscribes to token channels dropped while their token was verified, and connects dropped mid-way', async () => {
    const e2e = await start(OPTIONS);
    e2e.relais.onConnecting(({ data }) => (data === 'server-side' ? { channels: ['room:server'] } : undefined));
    const token = await sign({ sub: '', channel: 'secret:plans' });
    const storm = Array.from({ length: 60 }, async (_, i) => {
      const client = await TestClient.open(e2e.url, { protocols: JSON_SUBPROTOCOL });
      client.sendValues(
        i % 3 === 0
          ? [{ id: 1, method: 'connect', params: { data: 'server-side' } }]
          : [
              { id: 1, method: 'connect' },
              { id: 2, method: 'subscribe', params: { channel: 'secret:plans', token } },
              { id: 3, method: 'subscribe', params: { channel: 'room:storm' } },
            ],
      );
      client.ws.terminate();
      await client.closed;
    });
    await Promise.all(storm);
    await settled(e2e);
  });

  it('gives back the token timer and presence of a subscription that ended normally', async () => {
    const e2e = await start(OPTIONS);
    const client = await e2e.connect();
    await client.call('subscribe', { channel: 'secret:plans', token: await sign({ sub: '', channel: 'secret:plans' }) });
    expect(e2e.relais.stats().resources).toEqual({ holds: 0, brokerChannels: 1, presenceEntries: 1, tokenTimers: 1 });
    await client.call('unsubscribe', { channel: 'secret:plans' });
    expect(e2e.relais.stats().resources).toEqual(NOTHING_HELD);
    await client.close();
    await settled(e2e);
  });
});

import { describe, expect, it, vi } from 'vitest';
import { MemoryBroker } from '../memory/memory-broker.js';
import { MemoryBus } from '../memory/memory-bus.js';
import { MemoryPresenceStore } from '../memory/memory-presence-store.js';
import type { Relais } from '../node.js';
import { callApi } from '../testkit/api-client.js';
import { useTestNodes, type TestNode } from '../testkit/test-node.js';

const KEY = 'cluster-key';
const start = useTestNodes();

/** A node of `bus` whose connections take their user from connect's `data.user`. */
async function member(bus: MemoryBus, nodeId: string, apiKeys?: string[]): Promise<TestNode> {
  const node = await start({
    nodeId,
    engine: { broker: new MemoryBroker({ bus }), presence: new MemoryPresenceStore({ bus }) },
    namespaces: { room: {}, '': {} },
    apiKeys,
  });
  node.relais.onConnecting(({ data }) => ({ user: String((data as { user?: string } | undefined)?.user ?? '') }));
  return node;
}

/** Waits until every node of `nodes` knows all of them. */
async function joined(nodes: Relais[]): Promise<void> {
  await vi.waitFor(() => {
    for (const relais of nodes) expect(relais.cluster.nodes()).toHaveLength(nodes.length);
  });
}

/** Two nodes on one MemoryBus; only `a` has API keys: `b`'s connections are reached through the cluster. */
async function twoNodes() {
  const bus = new MemoryBus();
  const a = await member(bus, 'a', [KEY]);
  const b = await member(bus, 'b');
  await joined([a.relais, b.relais]);
  const api = (method: string, params?: unknown) => callApi(a.base, method, params, { key: KEY });
  const user = (node: TestNode, name: string) => node.connect(undefined, { data: { user: name } });
  return { a, b, api, user };
}

describe('cluster-wide server API methods on the memory engine', () => {
  it('send_user reaches every connection of the user on every node', async () => {
    const { a, b, api, user } = await twoNodes();
    const [onA, onB, other] = [await user(a, '42'), await user(b, '42'), await user(b, '7')];
    expect((await api('send_user', { user: '42', data: { n: 1 } })).body).toEqual({ result: { delivered: 2 } });
    for (const client of [onA, onB])
      expect(await client.nextPush((push) => push.type === 'message')).toEqual({ type: 'message', data: { n: 1 } });
    expect(other.pushes.filter((push) => push.type === 'message')).toEqual([]);
  });

  it('send_all reaches every connection of the cluster', async () => {
    const { a, b, api, user } = await twoNodes();
    const clients = [await user(a, '1'), await user(b, '2'), await user(b, '')];
    expect((await api('send_all', { data: 'hello all' })).body).toEqual({ result: { delivered: 3 } });
    for (const client of clients) expect(await client.nextPush((push) => push.type === 'message')).toMatchObject({ data: 'hello all' });
  });

  it('subscribe and unsubscribe act on connections of another node, by user or by client', async () => {
    const { b, api, user } = await twoNodes();
    const [first, second] = [await user(b, '42'), await user(b, '42')];
    expect((await api('subscribe', { user: '42', channel: 'room:1', data: { why: 'invited' } })).body).toEqual({
      result: { subscribed: 2 },
    });
    for (const client of [first, second])
      expect(await client.nextPush((push) => push.type === 'subscribe')).toEqual({
        type: 'subscribe',
        channel: 'room:1',
        data: { why: 'invited' },
      });
    expect((await api('subscribe', { user: '42', channel: 'room:1' })).body).toEqual({ result: { subscribed: 0 } });
    expect((await api('publish', { channel: 'room:1', data: 'to both' })).status).toBe(200);
    for (const client of [first, second])
      expect(await client.nextPush((push) => push.type === 'publication')).toMatchObject({ data: 'to both' });
    expect((await api('unsubscribe', { client: first.id, channel: 'room:1' })).body).toEqual({ result: { unsubscribed: 1 } });
    expect(await first.nextPush((push) => push.type === 'unsubscribe')).toMatchObject({ channel: 'room:1', code: 2000 });
    expect((await api('subscribe', { client: 'nobody', channel: 'room:1' })).body).toEqual({ result: { subscribed: 0 } });
  });

  it('disconnect closes a user on another node with the code and reason given', async () => {
    const { b, api, user } = await twoNodes();
    const target = await user(b, 'troll');
    const bystander = await user(b, 'nice');
    expect((await api('disconnect', { user: 'troll', code: 4501, reason: 'banned' })).body).toEqual({ result: { disconnected: 1 } });
    expect(await target.closed).toMatchObject({ code: 4501, reason: 'banned' });
    expect((await api('disconnect', { client: bystander.id })).body).toEqual({ result: { disconnected: 1 } });
    expect(await bystander.closed).toMatchObject({ code: 3503 });
  });

  it('refresh moves the connections’ deadline: one already past closes them with 3005', async () => {
    const { b, api, user } = await twoNodes();
    const client = await user(b, '42');
    const later = Math.floor(Date.now() / 1000) + 3600;
    expect((await api('refresh', { user: '42', expireAt: later })).body).toEqual({ result: { refreshed: 1 } });
    expect((await api('refresh', { user: '42', expireAt: Math.floor(Date.now() / 1000) - 1 })).body).toEqual({ result: { refreshed: 1 } });
    expect(await client.closed).toMatchObject({ code: 3005 });
  });

  it('refresh asks the onRefresh hooks of the connection’s node when the deadline passes', async () => {
    const { b, api, user } = await twoNodes();
    const client = await user(b, '42');
    const asked: string[] = [];
    b.relais.onRefresh(({ client: who }) => {
      asked.push(who.user);
      return { expired: true };
    });
    expect((await api('refresh', { user: '42', expireAt: Math.floor(Date.now() / 1000) - 1 })).body).toEqual({ result: { refreshed: 1 } });
    expect(await client.closed).toMatchObject({ code: 3005 });
    expect(asked).toEqual(['42']);
  });

  it('channels adds up the subscribers of every node, filtered by pattern', async () => {
    const { a, b, api, user } = await twoNodes();
    for (const [node, channels] of [
      [a, ['room:1', 'room:2']],
      [b, ['room:1', 'other']],
    ] as const) {
      const client = await user(node, 'x');
      for (const channel of channels) await client.call('subscribe', { channel });
    }
    expect((await api('channels')).body).toEqual({
      result: { channels: { 'room:1': { subscribers: 2 }, 'room:2': { subscribers: 1 }, other: { subscribers: 1 } } },
    });
    expect((await api('channels', { pattern: 'room:*' })).body).toEqual({
      result: { channels: { 'room:1': { subscribers: 2 }, 'room:2': { subscribers: 1 } } },
    });
  });

  it.each([
    ['subscribe', { user: '1', client: 'c', channel: 'room:1' }, 'give exactly one of the fields user and client'],
    ['subscribe', { channel: 'room:1' }, 'give exactly one of the fields user and client'],
    ['subscribe', { user: '', channel: 'room:1' }, 'field user must not be empty'],
    ['unsubscribe', { user: '1' }, 'field channel is required'],
    ['disconnect', { user: '1', code: 1000 }, 'field code must be an integer from 3000 to 4999, got 1000'],
    ['disconnect', { user: '1', reason: 'x'.repeat(124) }, 'field reason must be at most 123 bytes of UTF-8 (a WebSocket close reason)'],
    ['refresh', { user: '1', expireAt: '2030' }, 'field expireAt must be a positive number of seconds since the epoch, got string "2030"'],
    ['refresh', { user: '1' }, 'field expireAt is required'],
    ['send_user', { data: 1 }, 'field user is required'],
    ['send_all', {}, 'field data is required'],
    ['channels', { pattern: 1 }, 'field pattern must be a string, got number 1'],
  ])('%s %j answers 400 with code 107', async (method, params, message) => {
    const { api } = await twoNodes();
    expect(await api(method, params)).toEqual({ status: 400, body: { error: { code: 107, message, temporary: false } } });
  });

  it('subscribe to a channel of an unknown namespace answers 102', async () => {
    const { api } = await twoNodes();
    expect((await api('subscribe', { user: '1', channel: 'nope:1' })).body.error).toMatchObject({ code: 102 });
  });
});

import { callApi, useTestNodes, type TestNode } from '@relais/server/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RedisBroker, RedisPresenceStore } from '../src/index.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from './redis-helpers.js';

const KEY = 'redis-api-key';
const start = useTestNodes();
let prefixes: string[] = [];

afterEach(async () => {
  await Promise.all(prefixes.map((prefix) => deleteKeys(REDIS_URL, prefix)));
  prefixes = [];
});

/** Two nodes on one Redis prefix; only `a` serves the API, `b` holds the clients. */
async function twoNodes(): Promise<{ a: TestNode; b: TestNode; api: (method: string, params?: unknown) => ReturnType<typeof callApi> }> {
  const prefix = uniquePrefix('api');
  prefixes.push(prefix);
  const node = async (nodeId: string, apiKeys?: string[]) => {
    const options = { urls: [REDIS_URL], prefix };
    const started = await start({
      nodeId,
      apiKeys,
      engine: { broker: new RedisBroker(options), presence: new RedisPresenceStore(options) },
      namespaces: { chat: { historySize: 10, historyTtlMs: 60_000, presence: true } },
    });
    started.relais.onConnecting(({ data }) => ({ user: String((data as { user?: string } | undefined)?.user ?? '') }));
    return started;
  };
  const a = await node('a', [KEY]);
  const b = await node('b');
  await vi.waitFor(() => {
    expect(a.relais.cluster.nodes()).toHaveLength(2);
    expect(b.relais.cluster.nodes()).toHaveLength(2);
  });
  return { a, b, api: (method, params) => callApi(a.base, method, params, { key: KEY }) };
}

describe('the server API on two nodes of one Redis', () => {
  it('publishes to, reads presence and history of, and messages a subscriber on the other node', async () => {
    const { b, api } = await twoNodes();
    const client = await b.connect(undefined, { data: { user: '42' } });
    await client.call('subscribe', { channel: 'chat:r' });
    const published = await api('publish', { channel: 'chat:r', data: { text: 'over redis' } });
    expect(published.body).toEqual({ result: { offset: 1, epoch: expect.any(String) } });
    expect(await client.nextPush((push) => push.type === 'publication')).toMatchObject({ data: { text: 'over redis' }, offset: 1 });
    expect((await api('presence_stats', { channel: 'chat:r' })).body).toEqual({ result: { clients: 1, users: 1 } });
    expect((await api('history', { channel: 'chat:r' })).body.result).toMatchObject({
      publications: [{ data: { text: 'over redis' }, offset: 1 }],
    });
    expect((await api('send_user', { user: '42', data: 'psst' })).body).toEqual({ result: { delivered: 1 } });
    expect(await client.nextPush((push) => push.type === 'message')).toEqual({ type: 'message', data: 'psst' });
    expect((await api('channels')).body).toEqual({ result: { channels: { 'chat:r': { subscribers: 1 } } } });
    expect((await api('info')).body.result).toMatchObject({ nodes: [{ id: 'a', connections: 0 }, { id: 'b' }] });
  });

  it('subscribes a user of the other node server-side, then disconnects it', async () => {
    const { b, api } = await twoNodes();
    const client = await b.connect(undefined, { data: { user: 'troll' } });
    expect((await api('subscribe', { user: 'troll', channel: 'chat:s' })).body).toEqual({ result: { subscribed: 1 } });
    expect(await client.nextPush((push) => push.type === 'subscribe')).toEqual({ type: 'subscribe', channel: 'chat:s' });
    expect((await api('disconnect', { user: 'troll', code: 4503, reason: 'banned' })).body).toEqual({ result: { disconnected: 1 } });
    expect(await client.closed).toMatchObject({ code: 4503, reason: 'banned' });
  });
});

describe('the rest of the server API on two Redis nodes', () => {
  it('broadcasts, sends to all, unsubscribes, refreshes and removes history across nodes', async () => {
    const { a, b, api } = await twoNodes();
    const [onA, onB] = [await a.connect(undefined, { data: { user: '1' } }), await b.connect(undefined, { data: { user: '2' } })];
    for (const client of [onA, onB]) await client.call('subscribe', { channel: 'chat:all' });
    expect((await api('broadcast', { channels: ['chat:all', 'chat:none'], data: 'b' })).body.result).toEqual({
      responses: [{ result: { offset: 1, epoch: expect.any(String) } }, { result: { offset: 1, epoch: expect.any(String) } }],
    });
    for (const client of [onA, onB]) expect(await client.nextPush((push) => push.type === 'publication')).toMatchObject({ data: 'b' });
    expect((await api('send_all', { data: 'everyone' })).body).toEqual({ result: { delivered: 2 } });
    for (const client of [onA, onB]) expect(await client.nextPush((push) => push.type === 'message')).toMatchObject({ data: 'everyone' });
    expect((await api('unsubscribe', { user: '2', channel: 'chat:all' })).body).toEqual({ result: { unsubscribed: 1 } });
    expect(await onB.nextPush((push) => push.type === 'unsubscribe')).toMatchObject({ channel: 'chat:all', code: 2000 });
    expect((await api('history_remove', { channel: 'chat:all' })).body).toEqual({ result: {} });
    expect((await api('history', { channel: 'chat:all' })).body.result).toMatchObject({ publications: [], position: { offset: 1 } });
    expect((await api('refresh', { user: '2', expireAt: Math.floor(Date.now() / 1000) - 1 })).body).toEqual({ result: { refreshed: 1 } });
    expect(await onB.closed).toMatchObject({ code: 3005 });
  });
});

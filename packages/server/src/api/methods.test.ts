import { describe, expect, it } from 'vitest';
import { callApi } from '../testkit/api-client.js';
import { useTestNodes, type TestNode } from '../testkit/test-node.js';

const KEY = 'test-key';
const start = useTestNodes();

const NAMESPACES = {
  chat: { historySize: 10, historyTtlMs: 60_000, presence: true },
  live: {},
};

async function node(): Promise<TestNode & { api: (method: string, params?: unknown) => ReturnType<typeof callApi> }> {
  const started = await start({ apiKeys: [KEY], namespaces: NAMESPACES });
  return { ...started, api: (method, params) => callApi(started.base, method, params, { key: KEY }) };
}

describe('server API methods', () => {
  describe('publish', () => {
    it('answers the offset and epoch on a channel with history, once per idempotency key', async () => {
      const { api } = await node();
      const first = await api('publish', { channel: 'chat:a', data: 1, idempotencyKey: 'k1' });
      expect(first).toEqual({ status: 200, body: { result: { offset: 1, epoch: expect.any(String) } } });
      expect((await api('publish', { channel: 'chat:a', data: 1, idempotencyKey: 'k1' })).body).toEqual(first.body);
      expect((await api('publish', { channel: 'chat:a', data: 2, ephemeral: true })).body).toEqual({ result: {} });
      expect((await api('publish', { channel: 'chat:a', data: 3 })).body.result).toMatchObject({ offset: 2 });
    });

    it('carries the event and leaves out excludeClient', async () => {
      const { api, connect } = await node();
      const [skipped, reached] = [await connect(), await connect()];
      for (const client of [skipped, reached]) await client.call('subscribe', { channel: 'live:x' });
      expect((await api('publish', { channel: 'live:x', data: 'a', event: 'typing', excludeClient: skipped.id })).status).toBe(200);
      expect((await api('publish', { channel: 'live:x', data: 'b' })).status).toBe(200);
      expect(await reached.nextPush((push) => push.type === 'publication')).toMatchObject({ data: 'a', event: 'typing' });
      expect(await skipped.nextPush((push) => push.type === 'publication')).toMatchObject({ data: 'b' });
    });

    it.each([
      [{ data: 1 }, 'field channel is required'],
      [{ channel: 'live:a' }, 'field data is required'],
      [{ channel: 7, data: 1 }, 'field channel: channel must be a string'],
      [{ channel: '', data: 1 }, 'field channel: channel must not be empty'],
      [{ channel: 'live:a', data: 1, idempotencyKey: 5 }, 'field idempotencyKey must be a string, got number 5'],
      [{ channel: 'live:a', data: 1, ephemeral: 'yes' }, 'field ephemeral must be a boolean, got string "yes"'],
      [
        { channel: 'live:a', data: 1, chanel: 'x' },
        'publish: unknown field "chanel" (known: channel, data, event, idempotencyKey, excludeClient, ephemeral)',
      ],
      [{ channel: 'live:a', data: 1, ephemeral: true, idempotencyKey: 'k' }, 'an ephemeral publish cannot carry an idempotencyKey'],
      [{ channel: 'live:a', data: JSON.parse('{"__proto__": 1}') as unknown }, expect.stringContaining('__proto__')],
      [{ channel: 'live:a', data: { text: '\ud800' } }, expect.stringContaining('surrogate')],
    ])('answers %j with 400 and code 107', async (params, message) => {
      const { api } = await node();
      expect(await api('publish', params)).toEqual({ status: 400, body: { error: { code: 107, message, temporary: false } } });
    });

    it('answers a channel of an unknown namespace with 400 and code 102', async () => {
      const { api } = await node();
      expect(await api('publish', { channel: 'nope:a', data: 1 })).toEqual({
        status: 400,
        body: { error: { code: 102, message: 'unknown channel nope:a: its namespace is not configured', temporary: false } },
      });
    });

    it('answers data nested deeper than maxDataDepth with 107', async () => {
      const { api } = await node();
      let data: unknown = 1;
      for (let i = 0; i < 40; i++) data = [data];
      const { status, body } = await api('publish', { channel: 'live:a', data });
      expect(status).toBe(400);
      expect(body.error?.message).toMatch(/deeper than 32/);
    });
  });

  it('broadcast answers each channel on its own, in order', async () => {
    const { api, connect } = await node();
    const subscriber = await connect();
    await subscriber.call('subscribe', { channel: 'live:b' });
    const { status, body } = await api('broadcast', { channels: ['chat:a', 'live:b', 'nope:c', 42], data: 'all' });
    expect(status).toBe(200);
    expect(body.result).toEqual({
      responses: [
        { result: { offset: 1, epoch: expect.any(String) } },
        { result: {} },
        { error: { code: 102, message: 'unknown channel nope:c: its namespace is not configured', temporary: false } },
        { error: { code: 107, message: 'field channel: channel must be a string', temporary: false } },
      ],
    });
    expect(await subscriber.nextPush((push) => push.type === 'publication')).toMatchObject({ channel: 'live:b', data: 'all' });
    expect((await api('broadcast', { channels: 'live:b', data: 1 })).body.error?.message).toBe(
      'field channels must be an array, got string "live:b"',
    );
    expect((await api('broadcast', { channels: [], data: 1 })).body.error?.message).toBe('field channels must not be empty');
  });

  it('presence and presence_stats show a real subscriber', async () => {
    const { api, connect } = await node();
    const client = await connect();
    await client.call('subscribe', { channel: 'chat:p' });
    expect((await api('presence', { channel: 'chat:p' })).body).toEqual({
      result: { presence: { [client.id]: { client: client.id, user: '' } } },
    });
    expect((await api('presence_stats', { channel: 'chat:p' })).body).toEqual({ result: { clients: 1, users: 1 } });
    expect(await api('presence', { channel: 'live:p' })).toEqual({
      status: 400,
      body: { error: { code: 108, message: 'presence is not enabled for live:p: set presence: true on its namespace', temporary: false } },
    });
  });

  it('history reads with since, limit and reverse; history_remove drops it and keeps the position', async () => {
    const { api } = await node();
    for (const data of ['a', 'b', 'c']) await api('publish', { channel: 'chat:h', data });
    const all = (await api('history', { channel: 'chat:h' })).body.result as {
      publications: { data: string; offset: number; epoch: string }[];
      position: { offset: number; epoch: string };
    };
    expect(all.publications.map((pub) => [pub.data, pub.offset])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(all.publications[0]).not.toHaveProperty('channel');
    const { epoch } = all.position;
    expect(all.position).toEqual({ offset: 3, epoch });
    const since = (await api('history', { channel: 'chat:h', since: { offset: 1, epoch } })).body.result as typeof all;
    expect(since.publications.map((pub) => pub.data)).toEqual(['b', 'c']);
    const last = (await api('history', { channel: 'chat:h', limit: 1, reverse: true })).body.result as typeof all;
    expect(last.publications.map((pub) => pub.data)).toEqual(['c']);
    expect((await api('history_remove', { channel: 'chat:h' })).body).toEqual({ result: {} });
    expect((await api('history', { channel: 'chat:h' })).body.result).toEqual({ publications: [], position: { offset: 3, epoch } });
  });

  it.each([
    ['history', { channel: 'live:h' }, 108, 'history is not enabled for live:h: set historySize and historyTtlMs on its namespace'],
    ['history_remove', { channel: 'live:h' }, 108, 'history is not enabled for live:h: set historySize and historyTtlMs on its namespace'],
    ['history', { channel: 'chat:h', limit: -1 }, 107, 'field limit must be an integer from 0 to 9007199254740991, got -1'],
    ['history', { channel: 'chat:h', since: 3 }, 107, 'field since must be an object {offset, epoch}, got number 3'],
    ['history', { channel: 'chat:h', since: { offset: 1 } }, 107, 'field epoch is required'],
    ['history', { channel: 'chat:h', reverse: 1 }, 107, 'field reverse must be a boolean, got number 1'],
    ['presence_stats', {}, 107, 'field channel is required'],
    ['info', { verbose: true }, 107, 'info: unknown field "verbose" (known: none)'],
  ])('%s %j answers %i', async (method, params, code, message) => {
    const { api } = await node();
    expect(await api(method, params)).toEqual({ status: 400, body: { error: { code, message, temporary: false } } });
  });

  it('info lists the nodes with their version, counts and uptime', async () => {
    const { api, connect, relais } = await node();
    await (await connect()).call('subscribe', { channel: 'live:i' });
    expect((await api('info')).body.result).toEqual({
      nodes: [
        {
          id: relais.cluster.nodeId,
          startedAt: expect.any(Number),
          uptimeMs: expect.any(Number),
          version: expect.any(String),
          connections: 1,
          subscriptions: 1,
        },
      ],
    });
  });

  it('batch runs each command in order and answers each on its own', async () => {
    const { api } = await node();
    const { status, body } = await api('batch', {
      commands: [
        { method: 'publish', params: { channel: 'chat:b', data: 1 } },
        { method: 'publish', params: { channel: 'chat:b' } },
        { method: 'nope' },
        { method: 'batch', params: { commands: [] } },
        { method: 'history', params: { channel: 'chat:b' } },
        'publish',
      ],
    });
    expect(status).toBe(200);
    const replies = (body.result as { replies: unknown[] }).replies;
    expect(replies).toEqual([
      { result: { offset: 1, epoch: expect.any(String) } },
      { error: { code: 107, message: 'field data is required', temporary: false } },
      { error: { code: 104, message: 'unknown method "nope" in a batch', temporary: false } },
      { error: { code: 104, message: 'unknown method "batch" in a batch', temporary: false } },
      { result: { publications: [expect.objectContaining({ data: 1, offset: 1 })], position: expect.objectContaining({ offset: 1 }) } },
      { error: { code: 107, message: 'batch: commands[5]: params must be a JSON object', temporary: false } },
    ]);
    expect((await api('batch', { commands: {} })).body.error?.message).toBe('field commands must be an array, got an object');
  });
});

import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { useTestNodes } from '../testkit/test-node.js';
import type { RelaisOptions } from '../options.js';

const SECRET = 'proxy-secret-that-is-at-least-32-bytes!';

interface Seen {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

/** What the fake backend answers a request with: a status and a body (an object is sent as JSON). */
type Answer = { status?: number; body?: unknown } | 'hang';

interface Backend {
  url: string;
  seen: Seen[];
  /** Sets how each path is answered. */
  answer(path: string, answer: Answer | ((seen: Seen) => Answer)): void;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** A real HTTP backend on 127.0.0.1 port 0 that records every request. */
async function backend(): Promise<Backend> {
  const seen: Seen[] = [];
  const answers = new Map<string, Answer | ((seen: Seen) => Answer)>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const request: Seen = { path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> };
      seen.push(request);
      const given = answers.get(request.path) ?? { body: { result: {} } };
      const answer = typeof given === 'function' ? given(request) : given;
      if (answer === 'hang') return;
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, answer: (path, answer) => answers.set(path, answer) };
}

const start = useTestNodes();

async function node(api: Backend, proxy: RelaisOptions['proxy'], options: RelaisOptions = {}) {
  return start({ ...options, proxy: { secret: SECRET, ...proxy } });
}

describe('backend hooks over HTTP (proxy)', () => {
  it('asks the backend who connects: user, info, data and channels, with the handshake headers it allows and a signature', async () => {
    const api = await backend();
    api.answer('/connect', { body: { result: { user: '42', info: { name: 'Ada' }, data: { motd: 'hi' }, channels: ['news:general'] } } });
    const { open, relais } = await node(api, { connect: `${api.url}/connect` });
    const client = await open({ headers: { cookie: 'session=abc', 'x-secret-header': 'no' } });
    const result = await client.call('connect', { name: 'test-sdk', data: { theme: 'dark' } });
    expect(result).toMatchObject({ user: '42', data: { motd: 'hi' }, channels: ['news:general'] });

    const [call] = api.seen;
    expect(call!.body).toEqual({
      client: result.client,
      transport: { name: 'websocket', remoteAddress: '127.0.0.1' },
      name: 'test-sdk',
      data: { theme: 'dark' },
    });
    expect(call!.headers).toMatchObject({ cookie: 'session=abc', 'x-relais-hook': 'connect', 'content-type': 'application/json' });
    expect(call!.headers).not.toHaveProperty('x-secret-header');
    expect(call!.headers['x-relais-signature']).toBe(`sha256=${createHmac('sha256', SECRET).update(call!.raw).digest('hex')}`);

    await relais.publish('news:general', 'hello');
    expect(await client.nextPush()).toMatchObject({ data: 'hello' });
    expect(relais.stats().proxyCalls).toEqual({ 'connect:ok': 1 });
  });

  it('replies the backend error to connect, and closes with the disconnect code it answers', async () => {
    const api = await backend();
    const { open, relais } = await node(api, { connect: `${api.url}/connect` });
    api.answer('/connect', { body: { error: { code: 401, message: 'no such session' } } });
    const refused = await open();
    expect(await refused.command('connect')).toEqual({ id: 1, error: { code: 401, message: 'no such session', temporary: false } });
    expect((await refused.closed).code).toBe(3505);

    api.answer('/connect', { body: { disconnect: { code: 4503, reason: 'banned' } } });
    const banned = await open();
    banned.sendValues([{ id: 1, method: 'connect' }]);
    expect(await banned.closed).toMatchObject({ code: 4503, reason: 'banned' });
    expect(relais.stats().proxyCalls).toEqual({ 'connect:error': 1, 'connect:disconnect': 1 });
  });

  it('answers 114 (temporary) when the backend is too slow, and 100 (temporary) when it fails, counting each', async () => {
    const api = await backend();
    const { connect, open, relais } = await node(api, { connect: `${api.url}/connect`, rpc: { url: `${api.url}/rpc`, timeoutMs: 50 } });
    const client = await connect();
    api.answer('/rpc', 'hang');
    expect(await client.command('rpc', { method: 'slow' })).toMatchObject({ error: { code: 114, temporary: true } });

    const failures: [Answer, string][] = [
      [{ status: 500, body: { result: {} } }, 'http_error'],
      [{ body: 'not json' }, 'invalid_answer'],
      [{ body: [1, 2] }, 'invalid_answer'],
      [{ body: { error: { code: 'x' } } }, 'invalid_answer'],
      [{ body: { error: { code: 4001 } } }, 'invalid_answer'],
      [{ body: { disconnect: { code: 1000 } } }, 'invalid_answer'],
      [{ body: { result: 5 } }, 'invalid_answer'],
    ];
    for (const [answer] of failures) {
      api.answer('/rpc', answer);
      expect(await client.command('rpc', { method: 'x' })).toMatchObject({ error: { code: 100, temporary: true } });
    }
    api.answer('/connect', { body: { result: { channels: 'news:a' } } });
    const badConnect = await open();
    expect(await badConnect.command('connect')).toMatchObject({ error: { code: 100, temporary: true } });
    expect(relais.stats().proxyCalls).toMatchObject({
      'rpc:timeout': 1,
      'rpc:http_error': 1,
      'rpc:invalid_answer': 6,
      'connect:invalid_answer': 1,
    });
    // The node is still fine for everyone else.
    api.answer('/rpc', { body: { result: { data: 'ok' } } });
    expect(await client.call('rpc', { method: 'x' })).toEqual({ data: 'ok' });
  });

  it('answers 100 when the backend is down', async () => {
    const api = await backend();
    const down = `${api.url.replace(/:\d+$/, '')}:1/rpc`;
    const { connect, relais } = await node(api, { rpc: down });
    const client = await connect();
    expect(await client.command('rpc', { method: 'x' })).toMatchObject({ error: { code: 100, temporary: true } });
    expect(relais.stats().proxyCalls).toEqual({ 'rpc:unreachable': 1 });
  });

  it('routes RPC methods by pattern, after the handlers registered in code', async () => {
    const api = await backend();
    api.answer('/billing', (seen) => ({ body: { result: { data: { billed: seen.body.data } } } }));
    api.answer('/other', { body: { result: { data: 'other' } } });
    const { connect, relais } = await node(api, {
      rpc: [
        { method: 'billing.*', url: `${api.url}/billing` },
        { method: '*', url: `${api.url}/other` },
      ],
    });
    relais.rpc('billing.local', () => 'in process');
    const client = await connect();
    expect(await client.call('rpc', { method: 'billing.charge', data: 12 })).toEqual({ data: { billed: 12 } });
    expect(await client.call('rpc', { method: 'billing.local' })).toEqual({ data: 'in process' });
    expect(await client.call('rpc', { method: 'profile.get' })).toEqual({ data: 'other' });
    expect(api.seen.map((seen) => [seen.path, seen.body.method])).toEqual([
      ['/billing', 'billing.charge'],
      ['/other', 'profile.get'],
    ]);
    expect(api.seen[0]!.body).toMatchObject({ client: client.id, user: '' });
  });

  it('asks about subscribes and publishes per namespace, and publishes the data the backend gives back', async () => {
    const api = await backend();
    api.answer('/sub', (seen) =>
      seen.body.channel === 'chat:closed'
        ? { body: { error: { code: 403, message: 'closed room' } } }
        : { body: { result: { data: { welcome: true } } } },
    );
    api.answer('/pub', (seen) => ({
      body: { result: { data: { text: String((seen.body.data as { text: string }).text).toUpperCase() } } },
    }));
    const { connect } = await node(api, {
      subscribe: `${api.url}/sub`,
      namespaces: { chat: { publish: `${api.url}/pub` }, news: { subscribe: false } },
    });
    const client = await connect();
    expect(await client.call('subscribe', { channel: 'chat:lobby', data: { as: 'guest' } })).toMatchObject({ data: { welcome: true } });
    expect(await client.command('subscribe', { channel: 'chat:closed' })).toMatchObject({ error: { code: 403, message: 'closed room' } });
    expect(await client.call('subscribe', { channel: 'news:today' })).not.toHaveProperty('data');
    await client.call('publish', { channel: 'chat:lobby', data: { text: 'hi' } });
    expect(await client.nextPush()).toMatchObject({ data: { text: 'HI' } });
    // news: subscribe is off, publish never configured: only chat's calls were made.
    expect(api.seen.map((seen) => [seen.path, seen.body.channel])).toEqual([
      ['/sub', 'chat:lobby'],
      ['/sub', 'chat:closed'],
      ['/pub', 'chat:lobby'],
    ]);
    expect(api.seen[0]!.body).toMatchObject({ data: { as: 'guest' }, transport: { name: 'websocket' } });
  });

  // Deadlines already passed, so that the hooks are asked at once (the waiting itself, and the
  // deadlines they move, are tested with fake timers in auth.test.ts).
  const past = (): number => Math.floor(Date.now() / 1000) - 1;
  const later = (): number => Math.floor(Date.now() / 1000) + 3600;

  it('asks the refresh hook when the deadline connect gave passes: extended, the connection lives on', async () => {
    const api = await backend();
    api.answer('/connect', { body: { result: { user: '42', expireAt: past() } } });
    api.answer('/refresh', { body: { result: { expireAt: later() } } });
    const { open, relais } = await node(api, { connect: `${api.url}/connect`, refresh: `${api.url}/refresh` });
    const client = await open();
    expect(await client.call('connect')).not.toHaveProperty('expiresInMs');
    await expect.poll(() => relais.stats().proxyCalls).toEqual({ 'connect:ok': 1, 'refresh:ok': 1 });
    expect(await client.call('ping')).toEqual({});
    expect(api.seen[1]).toMatchObject({ path: '/refresh', body: { user: '42', transport: { name: 'websocket' } } });
  });

  it('closes with 3005 when the refresh hook answers expired', async () => {
    const api = await backend();
    api.answer('/connect', { body: { result: { user: '42', expireAt: past() } } });
    api.answer('/refresh', { body: { result: { expired: true } } });
    const { open } = await node(api, { connect: `${api.url}/connect`, refresh: `${api.url}/refresh` });
    const client = await open();
    await client.call('connect');
    expect((await client.closed).code).toBe(3005);
  });

  it('asks sub_refresh when the deadline subscribe gave passes, and ends the subscription with 109 when it answers expired', async () => {
    const api = await backend();
    api.answer('/sub', (seen) => ({ body: { result: { expireAt: seen.body.channel === 'chat:lobby' ? past() : later() } } }));
    api.answer('/sub-refresh', (seen) => ({
      body: { result: seen.body.channel === 'chat:lobby' ? { expired: true } : { expireAt: later() } },
    }));
    const { connect, relais } = await node(api, { subscribe: `${api.url}/sub`, subRefresh: `${api.url}/sub-refresh` });
    const client = await connect();
    await client.call('subscribe', { channel: 'chat:lobby' });
    expect(await client.nextPush()).toEqual({ type: 'unsubscribe', channel: 'chat:lobby', code: 109, reason: 'subscription expired' });
    expect(api.seen.map((seen) => [seen.path, seen.body.channel])).toEqual([
      ['/sub', 'chat:lobby'],
      ['/sub-refresh', 'chat:lobby'],
    ]);
    expect(relais.stats().resources.tokenTimers).toBe(0);
    // The connection lives on, and a subscription with a later deadline is watched.
    await client.call('subscribe', { channel: 'chat:other' });
    expect(relais.stats().resources.tokenTimers).toBe(1);
  });

  it('refuses calls beyond maxConcurrency with 111', async () => {
    const api = await backend();
    api.answer('/rpc', 'hang');
    const { connect, relais } = await node(api, { rpc: { url: `${api.url}/rpc`, timeoutMs: 60_000 }, maxConcurrency: 1 });
    const client = await connect();
    const first = client.command('rpc', { method: 'a' });
    await expect.poll(() => api.seen.length).toBe(1);
    expect(await client.command('rpc', { method: 'b' })).toMatchObject({ error: { code: 111, temporary: true } });
    expect(relais.stats().proxyCalls).toEqual({ 'rpc:busy': 1 });
    void first;
  });
});

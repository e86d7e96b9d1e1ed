/**
 * Denial paths over real sockets: each one gets its documented code, and nothing reaches the
 * denied client or, from it, anyone else.
 */
import { JSON_SUBPROTOCOL, type Push } from '@relais/protocol';
import { request } from 'node:http';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { useTestNodes, type TestNode } from '../testkit/test-node.js';
import type { RelaisOptions } from '../options.js';
import { TestClient } from '../testkit/ws-client.js';
import { RSA, SECRET, pem, serveJwks, sign, unsigned, type JwksServer } from './tokens.e2e-helpers.js';

const start = useTestNodes();

const LOCKED: RelaisOptions = {
  auth: { hmacSecret: SECRET, audience: 'relais', issuer: 'https://auth.example' },
  namespaces: {
    chat: { subscribeAccess: 'authenticated', publishAccess: 'subscribers' },
    news: { publishAccess: 'nobody' },
    secret: { subscribeAccess: 'token', publishAccess: 'nobody' },
  },
};

const good = (sub: string, extra: Record<string, unknown> = {}): Promise<string> =>
  sign({ sub, aud: 'relais', iss: 'https://auth.example', ...extra });

/** A subscribed watcher, to prove that nothing was published by a denied client. */
async function watcher(e2e: TestNode, channel = 'chat:a'): Promise<TestClient> {
  const client = await e2e.connect(undefined, { token: await good('watcher') });
  await client.call('subscribe', { channel });
  return client;
}

/** Publishes a marker from the server and returns what `client` received up to it. */
async function receivedUntilMarker(e2e: TestNode, client: TestClient, channel = 'chat:a'): Promise<unknown[]> {
  await e2e.relais.publish(channel, 'marker');
  const seen: unknown[] = [];
  for (;;) {
    const push = await client.nextPush((p) => p.type === 'publication');
    const data = (push as Push & { data: unknown }).data;
    if (data === 'marker') return seen;
    seen.push(data);
  }
}

/** Connects with `token` and pipelines a subscribe and a publish behind it; resolves with what happened. */
async function attempt(e2e: TestNode, token: string | undefined): Promise<{ close: { code: number; reason: string }; values: unknown[] }> {
  const client = await e2e.open();
  const values: unknown[] = [];
  client.ws.on('message', (data) => values.push(String(data)));
  client.sendValues([
    { id: 1, method: 'connect', params: token === undefined ? {} : { token } },
    { id: 2, method: 'subscribe', params: { channel: 'chat:a' } },
    { id: 3, method: 'publish', params: { channel: 'chat:a', data: 'from denied' } },
  ]);
  return { close: await client.closed, values };
}

describe('connection denials over real sockets', () => {
  it.each([
    ['no token (anonymous off)', async () => undefined, 3500, 'invalid token: token required'],
    [
      'a bad signature',
      () => sign({ sub: '1', aud: 'relais', iss: 'https://auth.example' }, { key: new TextEncoder().encode(`${SECRET}?`) }),
      3500,
      'invalid token',
    ],
    ['alg none', async () => unsigned({ sub: '1', aud: 'relais', iss: 'https://auth.example' }), 3500, 'invalid token'],
    ['a wrong audience', () => sign({ sub: '1', aud: 'other', iss: 'https://auth.example' }), 3500, 'invalid token'],
    ['a wrong issuer', () => sign({ sub: '1', aud: 'relais', iss: 'https://evil.example' }), 3500, 'invalid token'],
  ])('closes a connect with %s with %i, answering nothing', async (_name, token, code, reason) => {
    const e2e = await start(LOCKED);
    const watching = await watcher(e2e);
    const outcome = await attempt(e2e, await token());
    expect(outcome.close).toEqual({ code, reason });
    expect(outcome.values).toEqual([]);
    expect(await receivedUntilMarker(e2e, watching)).toEqual([]);
  });

  it('answers an expired token with 109, closes with 3505, and runs nothing pipelined behind it', async () => {
    const e2e = await start(LOCKED);
    const watching = await watcher(e2e);
    const outcome = await attempt(e2e, await sign({ sub: '1', aud: 'relais', iss: 'https://auth.example' }, { expiresInS: -60 }));
    expect(outcome.close.code).toBe(3505);
    expect(outcome.values).toEqual(['{"id":1,"error":{"code":109,"message":"token expired","temporary":false}}']);
    expect(await receivedUntilMarker(e2e, watching)).toEqual([]);
  });

  it('refuses HS256 signed with the RSA public key (HS/RS confusion) on a public-key node', async () => {
    const e2e = await start({ auth: { publicKey: pem(RSA.publicKey) } });
    const forged = await sign({ sub: 'admin' }, { alg: 'HS256', key: new TextEncoder().encode(pem(RSA.publicKey)) });
    expect((await attempt(e2e, forged)).close.code).toBe(3500);
    const real = await e2e.connect(undefined, { token: await sign({ sub: 'admin' }, { alg: 'RS256', key: RSA.privateKey }) });
    expect(real.id).toEqual(expect.any(String));
  });

  it('verifies tokens against a JWKS served over HTTP', async () => {
    let jwks: JwksServer | undefined;
    try {
      jwks = await serveJwks({ k1: RSA.publicKey });
      const e2e = await start({ auth: { jwksUrl: jwks.url } });
      const client = await e2e.open();
      const result = await client.call<{ user: string }>('connect', {
        token: await sign({ sub: 'j' }, { alg: 'RS256', key: RSA.privateKey, kid: 'k1' }),
      });
      expect(result.user).toBe('j');
      expect((await attempt(e2e, await sign({ sub: 'j' }, { kid: 'k1' }))).close.code).toBe(3500);
    } finally {
      await jwks?.close();
    }
  });

  it('accepts the token in ?token= of the upgrade URL', async () => {
    const e2e = await start(LOCKED);
    const client = await TestClient.open(`${e2e.url}?token=${await good('q')}`, { protocols: JSON_SUBPROTOCOL });
    try {
      expect((await client.call<{ user: string }>('connect')).user).toBe('q');
    } finally {
      await client.close();
    }
  });
});

describe('channel denials over real sockets', () => {
  it('refuses a forbidden namespace with 103 and delivers nothing to or from the client', async () => {
    const e2e = await start(LOCKED);
    const newsWatcher = await e2e.connect(undefined, { token: await good('w') });
    await newsWatcher.call('subscribe', { channel: 'news:today' });
    const client = await e2e.connect(undefined, { token: await good('1') });
    expect(await client.command('publish', { channel: 'news:today', data: 'spam' })).toMatchObject({ error: { code: 103 } });
    expect(await client.command('publish', { channel: 'chat:a', data: 'not subscribed' })).toMatchObject({ error: { code: 103 } });
    expect(await client.command('subscribe', { channel: 'unknown:x' })).toMatchObject({ error: { code: 102 } });
    expect(await receivedUntilMarker(e2e, newsWatcher, 'news:today')).toEqual([]);
  });

  it('refuses an anonymous subscribe to an authenticated namespace', async () => {
    const e2e = await start({ ...LOCKED, auth: { ...LOCKED.auth, allowAnonymous: true } as RelaisOptions['auth'] });
    const anon = await e2e.connect(undefined, {});
    expect(await anon.command('subscribe', { channel: 'chat:a' })).toMatchObject({
      error: { code: 103, message: 'permission denied: authentication required' },
    });
    await e2e.relais.publish('chat:a', 'secret');
    expect(await anon.call('ping')).toEqual({});
    expect(anon.pushes.filter((p) => p.type === 'publication')).toEqual([]);
  });

  it('refuses a private channel without its token, or with a token of another user, and admits it with its own', async () => {
    const e2e = await start(LOCKED);
    const client = await e2e.connect(undefined, { token: await good('42') });
    expect(await client.command('subscribe', { channel: 'secret:plans' })).toMatchObject({ error: { code: 103 } });
    const stolen = await good('7', { channel: 'secret:plans' });
    expect(await client.command('subscribe', { channel: 'secret:plans', token: stolen })).toMatchObject({ error: { code: 103 } });
    await e2e.relais.publish('secret:plans', 'hidden');
    expect(await client.call('ping')).toEqual({});
    expect(client.pushes.filter((p) => p.type === 'publication')).toEqual([]);
    const own = await good('42', { channel: 'secret:plans' });
    expect(await client.call('subscribe', { channel: 'secret:plans', token: own })).toMatchObject({ expiresInMs: expect.any(Number) });
    await e2e.relais.publish('secret:plans', 'visible');
    expect(await client.nextPush((p) => p.type === 'publication')).toMatchObject({ data: 'visible' });
  });
});

function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url.replace('ws://', 'http://'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('upgrade checks', () => {
  it('refuses an origin outside allowedOrigins with 403 and a clear body', async () => {
    const e2e = await start({ allowedOrigins: ['https://app.example.com'] });
    expect(await upgrade(e2e.url, { origin: 'https://evil.example' })).toEqual({
      status: 403,
      body: 'origin "https://evil.example" is not allowed to connect',
    });
    expect((await upgrade(e2e.url, { origin: 'https://app.example.com' })).status).toBe(101);
    expect((await upgrade(e2e.url, {})).status).toBe(101);
    expect(e2e.relais.stats().refusedUpgrades).toEqual({ origin: 1 });
    expect(e2e.relais.connections).toBeLessThanOrEqual(2);
  });

  it('refuses connection attempts past the per-IP rate with 429', async () => {
    const e2e = await start({ limits: { perIp: { connections: { perSecond: 0.001, burst: 2 } } } });
    expect((await upgrade(e2e.url, {})).status).toBe(101);
    expect((await upgrade(e2e.url, {})).status).toBe(101);
    expect(await upgrade(e2e.url, {})).toEqual({ status: 429, body: 'too many connection attempts from this address' });
    expect(e2e.relais.stats().refusedUpgrades).toEqual({ rate: 1 });
    expect(e2e.relais.stats().rateLimited).toEqual({ 'ip.connections': 1 });
  });

  it('counts the X-Forwarded-For client behind a trusted proxy, and ignores the header from anyone else', async () => {
    const limits = { perIp: { connections: { perSecond: 0.001, burst: 1 } } };
    const behindProxy = await start({ limits, trustedProxies: ['127.0.0.1'] });
    const seen: (string | undefined)[] = [];
    behindProxy.relais.onConnecting(({ transport }) => {
      seen.push(transport.remoteAddress);
      return {};
    });
    // The loopback peer is the trusted proxy: each forwarded client has its own budget.
    expect((await upgrade(behindProxy.url, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(101);
    expect((await upgrade(behindProxy.url, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(101);
    // A client cannot escape its budget by writing its own X-Forwarded-For entries to the left.
    expect((await upgrade(behindProxy.url, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7' })).status).toBe(429);
    const client = await behindProxy.connect({ headers: { 'x-forwarded-for': '203.0.113.9, 127.0.0.1' } });
    expect(client.id).toEqual(expect.any(String));
    expect(seen).toEqual(['203.0.113.9']);

    const direct = await start({ limits });
    expect((await upgrade(direct.url, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(101);
    expect((await upgrade(direct.url, { 'x-forwarded-for': '203.0.113.8' })).status).toBe(429);
  });
});

describe('permessage-deflate', () => {
  let sockets: WebSocket[] = [];
  afterEach(() => {
    for (const ws of sockets) ws.terminate();
    sockets = [];
  });

  function deflateClient(url: string): Promise<WebSocket> {
    const ws = new WebSocket(url, JSON_SUBPROTOCOL, { perMessageDeflate: { threshold: 0 } });
    sockets.push(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  }

  it('is off by default', async () => {
    const e2e = await start({});
    const ws = await deflateClient(e2e.url);
    expect(ws.extensions).toBe('');
  });

  it('compresses outbound messages when negotiated, keeping their order', async () => {
    const e2e = await start({ compression: { thresholdBytes: 256 } });
    const ws = await deflateClient(e2e.url);
    let wireBytes = 0;
    // The raw socket under the client: what the server actually sent.
    const socket = (ws as unknown as { _socket: { on(event: 'data', listener: (chunk: Buffer) => void): void } })._socket;
    socket.on('data', (chunk) => (wireBytes += chunk.length));
    const pushes: { data?: string }[] = [];
    ws.on('message', (data) => {
      for (const line of String(data).split('\n')) pushes.push(JSON.parse(line) as { data?: string });
    });
    ws.send(JSON.stringify({ id: 1, method: 'connect', params: {} }));
    ws.send(JSON.stringify({ id: 2, method: 'subscribe', params: { channel: 'big:1' } }));
    await expect.poll(() => pushes.length).toBe(2);
    const big = 'relais '.repeat(20_000);
    for (const data of [big, 'small', big, 'small']) await e2e.relais.publish('big:1', data);
    await expect.poll(() => pushes.length).toBe(6);
    expect(pushes.slice(2).map((push) => push.data)).toEqual([big, 'small', big, 'small']);
    // Two 140 kB publications went out in a few kB.
    expect(wireBytes).toBeLessThan(10_000);
  });

  it('inflates normal messages when on, and closes a deflate bomb with 1009 once it passes maxMessageBytes', async () => {
    const e2e = await start({ compression: true, maxMessageBytes: 65_536 });
    const ws = await deflateClient(e2e.url);
    expect(ws.extensions).toContain('permessage-deflate');
    const replies: string[] = [];
    ws.on('message', (data) => replies.push(String(data)));
    ws.send(JSON.stringify({ id: 1, method: 'connect', params: { data: 'x'.repeat(10_000) } }));
    await expect.poll(() => replies.length).toBe(1);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // 16 MiB of the same byte: about 16 KiB on the wire, 256 times the cap once inflated.
    const bomb = `{"id":2,"method":"send","params":{"data":"${'a'.repeat(16 * 1024 * 1024)}"}}`;
    ws.send(bomb);
    expect(await closed).toBe(1009);
    expect(e2e.relais.stats().badFrames).toBe(1);
    expect(replies).toHaveLength(1);
    const other = await e2e.connect();
    expect(await other.call('ping')).toEqual({});
  });
});

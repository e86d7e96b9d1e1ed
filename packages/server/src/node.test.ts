import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, ReplyError, type Push } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { useTestNodes } from './testkit/test-node.js';
import type { TransportInfo } from './transport.js';

const start = useTestNodes();

describe.each([
  ['JSON', JSON_SUBPROTOCOL],
  ['MessagePack', MSGPACK_SUBPROTOCOL],
])('Relais over WebSocket (%s)', (_name, protocol) => {
  const options = { protocols: protocol };

  it('acks a publish and delivers it to every subscriber and to nobody else', async () => {
    const { connect } = await start();
    const [a, b, outsider] = await Promise.all([connect(options), connect(options), connect(options)]);
    await a.call('subscribe', { channel: 'room' });
    await b.call('subscribe', { channel: 'room' });
    expect(await outsider.call('publish', { channel: 'room', data: { text: 'hi' } })).toEqual({});
    const expected = { type: 'publication', channel: 'room', data: { text: 'hi' }, info: { client: outsider.id, user: '' } };
    expect(await a.nextPush()).toEqual(expected);
    expect(await b.nextPush()).toEqual(expected);
    // A round trip after the publish: had the outsider been sent the publication, it would be here.
    await outsider.call('ping');
    expect(outsider.pushes).toEqual([]);
  });

  it('does not deliver to the publisher with excludeSelf', async () => {
    const { connect } = await start();
    const [a, b] = await Promise.all([connect(options), connect(options)]);
    await a.call('subscribe', { channel: 'room' });
    await b.call('subscribe', { channel: 'room' });
    await a.call('publish', { channel: 'room', data: 1, excludeSelf: true });
    await a.call('publish', { channel: 'room', data: 2 });
    expect(await b.nextPush()).toMatchObject({ data: 1 });
    expect(await a.nextPush()).toMatchObject({ data: 2 });
  });

  it('stops delivery after unsubscribe', async () => {
    const { connect, relais } = await start();
    const a = await connect(options);
    await a.call('subscribe', { channel: 'room' });
    await a.call('unsubscribe', { channel: 'room' });
    await relais.publish('room', 1);
    await a.call('ping');
    expect(a.pushes).toEqual([]);
  });

  it('answers RPCs with results, application errors, 100 without the message, and 104', async () => {
    const { connect, relais } = await start();
    relais.rpc('add', ({ data }) => (data as number[]).reduce((x, y) => x + y, 0));
    relais.rpc('deny', () => {
      throw new ReplyError(403, 'not yours');
    });
    relais.rpc('crash', () => {
      throw new Error('database password is hunter2');
    });
    const a = await connect(options);
    expect(await a.command('rpc', { method: 'add', data: [1, 2] })).toEqual({ id: 2, result: { data: 3 } });
    expect(await a.command('rpc', { method: 'deny' })).toEqual({ id: 3, error: { code: 403, message: 'not yours', temporary: false } });
    expect(await a.command('rpc', { method: 'crash' })).toEqual({
      id: 4,
      error: { code: 100, message: 'internal server error', temporary: true },
    });
    expect(await a.command('rpc', { method: 'nope' })).toMatchObject({ id: 5, error: { code: 104 } });
  });

  it('answers an unknown field with 107', async () => {
    const { connect } = await start();
    const a = await connect(options);
    expect(await a.command('subscribe', { channel: 'room', color: 'red' })).toMatchObject({ error: { code: 107 } });
  });

  it('closes with 3501 on a command without id and on a command before connect', async () => {
    const { connect, open } = await start();
    const a = await connect(options);
    a.sendValues([{ method: 'ping' }]);
    expect((await a.closed).code).toBe(3501);
    const b = await open(options);
    b.sendValues([{ id: 1, method: 'ping' }]);
    expect(await b.closed).toEqual({ code: 3501, reason: 'bad request: ping before connect' });
  });
});

describe('Relais over WebSocket', () => {
  it('closes with 3501 on malformed JSON', async () => {
    const { open } = await start();
    const a = await open();
    a.sendRaw('{"id":1,');
    expect(await a.closed).toEqual({ code: 3501, reason: 'bad request: invalid JSON in frame line 1' });
  });

  it('speaks JSON to a client that offers no subprotocol', async () => {
    const { open } = await start();
    const a = await open({});
    expect(a.ws.protocol).toBe('');
    expect(await a.call('connect')).toMatchObject({ protocol: 1 });
  });

  it('refuses the upgrade with 400 when no offered subprotocol is relais', async () => {
    const { open } = await start();
    await expect(open({ protocols: 'mqtt' })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('accepts upgrades on / as well as on the configured path', async () => {
    const { base } = await start();
    const { TestClient } = await import('./testkit/ws-client.js');
    const a = await TestClient.open(base.replace('http', 'ws') + '/');
    expect(await a.call('connect')).toMatchObject({ protocol: 1 });
    await a.close();
  });

  it('closes an oversized frame with 1009 and keeps serving other clients', async () => {
    const { connect, relais } = await start({ maxMessageBytes: 1024 });
    const [a, b] = await Promise.all([connect(), connect()]);
    a.sendRaw(JSON.stringify({ id: 2, method: 'send', params: { data: 'x'.repeat(2000) } }));
    expect((await a.closed).code).toBe(1009);
    expect(await b.call('ping')).toEqual({});
    expect(relais.stats().badFrames).toBe(1);
  });

  it('drops a peer that does not answer pings with 3012', async () => {
    const { connect } = await start({ pingIntervalMs: 100, pongTimeoutMs: 400 });
    const silent = await connect();
    const alive = await connect({ protocols: JSON_SUBPROTOCOL, autoPong: true });
    expect(await silent.closed).toEqual({ code: 3012, reason: 'no pong' });
    expect(await alive.call('ping')).toEqual({});
  });

  it('with drainWindowMs, closes the clients one batch at a time and serves those not closed yet', async () => {
    // 2 clients over 2 s in batches of 50 ms: the first at once, the second 1 s later.
    const { connect, relais } = await start({ drainWindowMs: 2_000 });
    const a = await connect();
    const b = await connect();
    const closing = relais.close();
    expect(await a.closed).toEqual({ code: 3001, reason: 'shutdown' });
    expect(await b.call('ping')).toEqual({});
    expect(await b.closed).toEqual({ code: 3001, reason: 'shutdown' });
    await closing;
    expect(relais.connections).toBe(0);
  });

  it('closes every client with 3001 on close() and resolves', async () => {
    const { connect, relais, url } = await start();
    const [a, b] = await Promise.all([connect(), connect()]);
    await relais.close();
    expect(await a.closed).toEqual({ code: 3001, reason: 'shutdown' });
    expect(await b.closed).toEqual({ code: 3001, reason: 'shutdown' });
    expect(relais.connections).toBe(0);
    await relais.close();
    const { TestClient } = await import('./testkit/ws-client.js');
    await expect(TestClient.open(url)).rejects.toThrow();
  });

  it('answers GET /health with 200 and 404 elsewhere', async () => {
    const { base, connect } = await start();
    await connect();
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', connections: 1 });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('subscribes a client from the server with a subscribe push', async () => {
    const { connect, relais } = await start();
    const a = await connect();
    expect(await relais.subscribe(a.id, 'news')).toBe(true);
    expect(await a.nextPush()).toEqual({ type: 'subscribe', channel: 'news' });
    await relais.publish('news', 'extra');
    expect(await a.nextPush()).toMatchObject({ type: 'publication', channel: 'news', data: 'extra' });
    expect(relais.unsubscribe(a.id, 'news')).toBe(true);
    expect(await a.nextPush()).toMatchObject({ type: 'unsubscribe', channel: 'news' });
  });

  it('shows hooks the upgrade request: its headers without the handshake ones, path and subprotocol', async () => {
    const { connect, relais } = await start();
    let seen: TransportInfo | undefined;
    relais.onConnecting(({ transport }) => {
      seen = transport;
      return {};
    });
    await connect({ headers: { cookie: 'session=abc', 'user-agent': 'relais-test' } });
    expect(seen).toMatchObject({ name: 'websocket', remoteAddress: '127.0.0.1', url: '/connection/websocket' });
    expect(seen?.headers).toMatchObject({ cookie: 'session=abc', 'user-agent': 'relais-test' });
    expect(seen?.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
    for (const name of ['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version'])
      expect(seen?.headers).not.toHaveProperty(name);
  });

  it('reaches every connection of a user with sendToUser, and disconnects them', async () => {
    const { connect, relais } = await start();
    relais.onConnecting(({ token }) => ({ user: token ?? '' }));
    const [a1, a2, b] = await Promise.all([
      connect(undefined, { token: 'alice' }),
      connect(undefined, { token: 'alice' }),
      connect(undefined, { token: 'bob' }),
    ]);
    expect(relais.sendToUser('alice', { hello: 1 })).toBe(2);
    const expected: Push = { type: 'message', data: { hello: 1 } };
    expect(await a1.nextPush()).toEqual(expected);
    expect(await a2.nextPush()).toEqual(expected);
    expect(relais.sendToClient(b.id, 'direct')).toBe(true);
    expect(await b.nextPush()).toEqual({ type: 'message', data: 'direct' });
    expect(relais.disconnect({ user: 'alice' })).toBe(2);
    expect((await a1.closed).code).toBe(3503);
    expect((await a2.closed).code).toBe(3503);
  });

  it('closes connections beyond maxConnections with 3006', async () => {
    const { connect, open } = await start({ maxConnections: 1 });
    await connect();
    const extra = await open();
    expect(await extra.closed).toEqual({ code: 3006, reason: 'connection limit reached' });
  });

  it('applies namespace rules: 102 for an unknown namespace, 103 without clientPublish, 106 over maxDataBytes', async () => {
    const { connect } = await start({ namespaces: { chat: { maxDataBytes: 10 }, feed: { clientPublish: false } } });
    const a = await connect();
    expect(await a.command('subscribe', { channel: 'secret:x' })).toMatchObject({ error: { code: 102 } });
    expect(await a.command('subscribe', { channel: 'nocolon' })).toMatchObject({ error: { code: 102 } });
    expect(await a.command('publish', { channel: 'feed:x', data: 1 })).toMatchObject({ error: { code: 103 } });
    expect(await a.command('publish', { channel: 'chat:x', data: 'x'.repeat(20) })).toMatchObject({ error: { code: 106 } });
    expect(await a.command('publish', { channel: 'chat:x', data: 'ok' })).toEqual({ id: 6, result: {} });
  });

  it('applies a "*" namespace entry to every unlisted namespace instead of 102', async () => {
    const { connect } = await start({
      namespaces: { chat: { historySize: 5, historyTtlMs: 60_000 }, '*': { publishAccess: 'nobody', maxDataBytes: 10 } },
    });
    const a = await connect();
    expect(await a.call('subscribe', { channel: 'news:x' })).toEqual({});
    expect(await a.call('subscribe', { channel: 'nocolon' })).toEqual({});
    expect(await a.command('publish', { channel: 'news:x', data: 1 })).toMatchObject({ error: { code: 103 } });
    // Listed namespaces keep their own rules: history, and publishes allowed.
    expect(await a.call('publish', { channel: 'chat:x', data: 'x'.repeat(20) })).toMatchObject({ offset: 1 });
  });

  it('delivers an idempotent publish once', async () => {
    const { connect } = await start();
    const [a, b] = await Promise.all([connect(), connect()]);
    await a.call('subscribe', { channel: 'room' });
    await b.call('publish', { channel: 'room', data: 1, idempotencyKey: 'k1' });
    await b.call('publish', { channel: 'room', data: 1, idempotencyKey: 'k1' });
    await b.call('publish', { channel: 'room', data: 2 });
    expect(await a.nextPush()).toMatchObject({ data: 1 });
    expect(await a.nextPush()).toMatchObject({ data: 2 });
    expect(a.pushes).toEqual([]);
  });

  it('lets onPublish replace the data and reject a publication', async () => {
    const { connect, relais } = await start();
    relais.onPublish(({ data }) => {
      if (data === 'bad') throw new ReplyError(422, 'rejected');
      return { data: String(data).toUpperCase() };
    });
    const a = await connect();
    await a.call('subscribe', { channel: 'room' });
    expect(await a.command('publish', { channel: 'room', data: 'bad' })).toMatchObject({ error: { code: 422 } });
    await a.call('publish', { channel: 'room', data: 'good' });
    expect(await a.nextPush()).toMatchObject({ data: 'GOOD' });
  });

  it('hands send data to onMessage hooks', async () => {
    const { connect, relais } = await start();
    const received = new Promise((resolve) => relais.onMessage(({ data }) => resolve(data)));
    const a = await connect();
    expect(await a.call('send', { data: { x: 1 } })).toEqual({});
    expect(await received).toEqual({ x: 1 });
  });
});

describe('Relais.attach', () => {
  it('serves upgrades on an existing HTTP server until disposed', async () => {
    const { createServer } = await import('node:http');
    const { createRelais } = await import('./node.js');
    const { TestClient } = await import('./testkit/ws-client.js');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const relais = createRelais();
    const dispose = relais.attach(server, { path: '/rt' });
    try {
      const client = await TestClient.open(`ws://127.0.0.1:${port}/rt`);
      expect(await client.call('connect')).toMatchObject({ protocol: 1 });
      await relais.close();
      expect((await client.closed).code).toBe(3001);
      // Still attached but shut down: new upgrades are refused with 503.
      await expect(TestClient.open(`ws://127.0.0.1:${port}/rt`)).rejects.toMatchObject({ statusCode: 503 });
      dispose();
    } finally {
      await relais.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/**
 * Token refresh end to end: a real relais node with `auth`, the SDK over real sockets. One fake
 * clock drives both sides (token expiry on the server, the refresh timer in the SDK); the
 * sockets and the signature checks are real.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { createRelais, type Relais } from '@relais/server';
import { Client, type ClientOptions, type Publication, type StateChange, type TransportKind } from '@relais/client';
import { FALLBACKS } from '@relais/client/fallback';

const SECRET = 'an-end-to-end-secret-of-at-least-32-bytes';

function token(claims: Record<string, unknown>, expiresInS: number): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(new TextEncoder().encode(SECRET));
}

let relais: Relais | undefined;
let clients: Client[] = [];

async function start(): Promise<string> {
  relais = createRelais({
    // Heartbeats out of the way: the clock jumps by tens of seconds at once.
    pingIntervalMs: 3_600_000,
    auth: { hmacSecret: SECRET },
    namespaces: { chat: {}, secret: { subscribeAccess: 'token', publishAccess: 'nobody' } },
  });
  const { port } = await relais.listen({ port: 0 });
  return `ws://127.0.0.1:${port}/connection/websocket`;
}

/** The transport the tests of this file run on (each describe block sets it). */
let transport: TransportKind = 'websocket';

function client(url: string, options: ClientOptions): Client {
  const c = new Client(url, {
    websocket: WebSocket,
    transports: [transport === 'websocket' ? transport : FALLBACKS[transport]],
    window: null,
    document: null,
    ...options,
  });
  clients.push(c);
  return c;
}

/** Waits for a condition that depends on real I/O, without moving the fake clock. */
async function until(check: () => boolean): Promise<void> {
  const deadline = performance.now() + 5_000;
  while (!check()) {
    if (performance.now() > deadline)
      throw new Error(`condition not reached within 5 s: ${check.toString()} ${JSON.stringify(relais?.stats())}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});

afterEach(async () => {
  for (const c of clients) c.close();
  clients = [];
  vi.useRealTimers();
  await relais?.close();
  relais = undefined;
});

describe.each(['websocket', 'http_stream', 'long_poll'] as const)('token refresh against a real node (%s)', (kind) => {
  beforeEach(() => {
    transport = kind;
  });

  it('refreshes the connection token in band before it expires, and stays on the same connection', async () => {
    const url = await start();
    const getToken = vi.fn(() => token({ sub: 'ada' }, 60));
    const ada = client(url, { getToken });
    const states: StateChange[] = [];
    ada.on('state', (s) => states.push(s));
    ada.connect();
    await until(() => ada.state === 'connected');
    expect(ada.connectResult?.expiresInMs).toBeGreaterThan(58_000);

    await vi.advanceTimersByTimeAsync(51_000);
    // The refresh reply arrived (nothing else is sent: no pings, no subscriptions yet), so the
    // node has verified the new token before the clock moves on.
    await until(() => ada.stats().messagesIn === 2);
    expect(relais!.stats().commands.refresh).toBe(1);
    expect(getToken).toHaveBeenCalledTimes(2);

    // Past the first token's expiry: the refreshed token holds the connection.
    await vi.advanceTimersByTimeAsync(30_000);
    const sub = ada.subscribe('chat:a');
    const got: unknown[] = [];
    sub.on('publication', (p: Publication) => got.push(p.data));
    await until(() => sub.state === 'subscribed');
    await ada.publish('chat:a', 'still here');
    await until(() => got.length === 1);
    expect(got).toEqual(['still here']);
    expect(relais!.stats().disconnects).toEqual({});
    expect(states.map((s) => s.state)).toEqual(['connecting', 'connected']);
  });

  it('is disconnected with 3005 when it cannot refresh', async () => {
    const url = await start();
    // No getToken: the SDK cannot refresh; a reconnect would reuse the same expired token.
    const fixed = client(url, { token: await token({ sub: 'bob' }, 60), maxReconnectAttempts: 0 });
    const closed: StateChange[] = [];
    fixed.on('state', (s) => s.state === 'disconnected' && closed.push(s));
    fixed.connect();
    await until(() => fixed.state === 'connected');
    await vi.advanceTimersByTimeAsync(61_000);
    await until(() => closed.length === 1);
    expect(closed[0]).toMatchObject({ code: 3005 });
    expect(relais!.stats().disconnects).toEqual({ 3005: 1 });
  });

  it('ends in a terminal disconnect (3500) when the server refuses the refreshed token', async () => {
    const url = await start();
    let n = 0;
    // The second token names another user: the node refuses the refresh.
    const getToken = vi.fn(() => token({ sub: n++ === 0 ? 'eve' : 'mallory' }, 60));
    const eve = client(url, { getToken });
    const states: StateChange[] = [];
    eve.on('state', (s) => states.push(s));
    eve.connect();
    await until(() => eve.state === 'connected');
    await vi.advanceTimersByTimeAsync(51_000);
    await until(() => eve.state === 'disconnected');
    expect(states.at(-1)).toMatchObject({ state: 'disconnected', code: 3500 });
    expect(states.at(-1)?.nextRetryAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(eve.state).toBe('disconnected');
    expect(relais!.stats().connectionsTotal).toBe(1);
  });

  it('refreshes a subscription token with sub_refresh and keeps receiving', async () => {
    const url = await start();
    const ada = client(url, { getToken: () => token({ sub: 'ada' }, 3600) });
    const sub = ada.subscribe('secret:plans', { getToken: (channel) => token({ sub: 'ada', channel }, 60) });
    const got: unknown[] = [];
    sub.on('publication', (p: Publication) => got.push(p.data));
    ada.connect();
    await until(() => sub.state === 'subscribed');
    await vi.advanceTimersByTimeAsync(51_000);
    // connect, subscribe, then the sub_refresh reply.
    await until(() => ada.stats().messagesIn === 3);
    expect(relais!.stats().commands.sub_refresh).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    await relais!.publish('secret:plans', 'after the first token');
    await until(() => got.length === 1);
    expect(got).toEqual(['after the first token']);
    expect(sub.state).toBe('subscribed');
  });
});

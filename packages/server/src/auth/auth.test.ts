import { Disconnect, ERROR_CODES } from '@relais/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRelais, type Relais } from '../node.js';
import type { RelaisOptions } from '../options.js';
import type { Session } from '../session.js';
import { FakeTransport } from '../testkit/fake-transport.js';
import { openSession, sendCommands as send, type OpenedSession } from '../testkit/sessions.js';
import { REFRESH_RETRY_MS } from './connect-auth.js';
import { SECRET, sign } from './tokens.e2e-helpers.js';

let relais: Relais | undefined;

afterEach(async () => {
  vi.useRealTimers();
  await relais?.close();
  relais = undefined;
});

// Heartbeats far apart: the tests advance fake time by minutes without answering pings.
const QUIET = { pingIntervalMs: 3_600_000 };

const AUTH: RelaisOptions = {
  ...QUIET,
  auth: { hmacSecret: SECRET },
  namespaces: { chat: {}, secret: { subscribeAccess: 'token', publishAccess: 'nobody' } },
};

function open(options: RelaisOptions = AUTH, transport = new FakeTransport()): OpenedSession {
  relais = createRelais(options);
  return openSession(relais, transport);
}

/** Waits (bounded) until the reply to `id` was written; token checks are asynchronous. */
async function reply(transport: FakeTransport, id: number): Promise<Record<string, unknown>> {
  return vi.waitFor(() => transport.reply(id) ?? Promise.reject(new Error(`no reply ${id}`)), { timeout: 2_000, interval: 5 });
}

async function closed(transport: FakeTransport): Promise<{ code: number; reason: string }> {
  return vi.waitFor(() => transport.closed ?? Promise.reject(new Error('not closed')), { timeout: 2_000, interval: 5 });
}

async function connect(
  token: string,
  options: RelaisOptions = AUTH,
): Promise<{ transport: FakeTransport; session: Session; result: Record<string, unknown> }> {
  const { transport, session } = open(options);
  send(session, { id: 1, method: 'connect', params: { token } });
  const answer = await reply(transport, 1);
  return { transport, session, result: answer.result as Record<string, unknown> };
}

function expiryOf(session: Session): number {
  return (session.details().claims?.exp as number) * 1000;
}

describe('connection tokens', () => {
  it('takes the user from sub, tells the client when the token expires, and gives hooks the claims', async () => {
    vi.useFakeTimers();
    const seen: unknown[] = [];
    const token = await sign({ sub: '42', plan: 'pro' }, { expiresInS: 120 });
    const { transport, session } = open();
    relais!.onConnecting((event) => {
      seen.push({ user: event.user, plan: event.claims?.plan });
    });
    relais!.rpc('whoami', ({ client }) => ({ user: client.user, plan: client.claims?.plan }));
    send(session, { id: 1, method: 'connect', params: { token } }, { id: 2, method: 'rpc', params: { method: 'whoami' } });
    const result = (await reply(transport, 1)).result as Record<string, unknown>;
    expect(result.user).toBe('42');
    expect(result.expiresInMs).toBeGreaterThan(118_000);
    expect(result.expiresInMs).toBeLessThanOrEqual(120_000);
    expect(seen).toEqual([{ user: '42', plan: 'pro' }]);
    expect((await reply(transport, 2)).result).toEqual({ data: { user: '42', plan: 'pro' } });
  });

  it('lets an onConnecting hook replace the user or refuse the verified token', async () => {
    const token = await sign({ sub: '42', banned: true });
    const { transport, session } = open();
    relais!.onConnecting(({ claims }) => {
      if (claims?.banned) throw new Error('banned');
    });
    send(session, { id: 1, method: 'connect', params: { token } });
    expect((await reply(transport, 1)).error).toMatchObject({ code: ERROR_CODES.INTERNAL });
    expect(transport.closed?.code).toBe(3505);
  });

  it.each([
    ['in connect', (token: string) => [open(), { token }] as const],
    [
      'in ?token=',
      (token: string) => [open(AUTH, new FakeTransport({ info: { url: `/connection/websocket?token=${token}` } })), {}] as const,
    ],
  ])('refuses a subscription token as the connection token (%s) with 3500', async (_where, make) => {
    const [{ transport, session }, params] = make(await sign({ sub: '42', channel: 'secret:plans' }));
    send(session, { id: 1, method: 'connect', params }, { id: 2, method: 'subscribe', params: { channel: 'chat:a' } });
    expect((await closed(transport)).code).toBe(3500);
    expect(transport.values()).toEqual([]);
  });

  it('reads the token from ?token= of the upgrade URL when connect has none', async () => {
    const token = await sign({ sub: '9' });
    const { transport, session } = open(AUTH, new FakeTransport({ info: { url: `/connection/websocket?token=${token}` } }));
    send(session, { id: 1, method: 'connect' });
    expect((await reply(transport, 1)).result).toMatchObject({ user: '9' });
  });

  it('ignores ?token= when queryToken is false', async () => {
    const token = await sign({ sub: '9' });
    const { transport, session } = open(
      { auth: { hmacSecret: SECRET, queryToken: false } },
      new FakeTransport({ info: { url: `/?token=${token}` } }),
    );
    send(session, { id: 1, method: 'connect' });
    expect(await closed(transport)).toEqual({ code: 3500, reason: 'invalid token: token required' });
  });

  it('closes with 3500 when the token is missing and anonymous connections are off', async () => {
    const { transport, session } = open();
    send(session, { id: 1, method: 'connect' }, { id: 2, method: 'publish', params: { channel: 'chat:a', data: 1 } });
    expect(await closed(transport)).toEqual({ code: 3500, reason: 'invalid token: token required' });
    expect(transport.values()).toEqual([]);
    expect(relais!.stats().disconnects).toEqual({ 3500: 1 });
  });

  it('accepts an anonymous connection when allowed, and still refuses a bad token', async () => {
    const options: RelaisOptions = { auth: { hmacSecret: SECRET, allowAnonymous: true } };
    const { transport, session } = open(options);
    send(session, { id: 1, method: 'connect' });
    expect((await reply(transport, 1)).result).toMatchObject({ user: '' });
    expect((await reply(transport, 1)).result).not.toHaveProperty('expiresInMs');
    await relais!.close();
    const bad = open(options);
    send(bad.session, { id: 1, method: 'connect', params: { token: 'x.y.z' } });
    expect((await closed(bad.transport)).code).toBe(3500);
  });

  it('takes connection info and server-side subscriptions from the info and channels claims', async () => {
    const token = await sign({ sub: '42', info: { name: 'Ada' }, channels: ['chat:news', 'chat:alerts'] });
    const { transport, session, result } = await connect(token);
    expect(result.channels).toEqual(['chat:news', 'chat:alerts']);
    expect(session.details().info).toEqual({ name: 'Ada' });
    await relais!.publish('chat:news', 'hello');
    await vi.waitFor(() => expect(transport.values().some((frame) => JSON.stringify(frame).includes('hello'))).toBe(true));
  });

  it('lets onConnecting hooks override the claims key by key', async () => {
    const token = await sign({ sub: '42', info: { name: 'Ada' }, channels: ['chat:news'] });
    const { transport, session } = open();
    relais!.onConnecting(() => ({ info: { name: 'Grace' } }));
    send(session, { id: 1, method: 'connect', params: { token } });
    expect(((await reply(transport, 1)).result as Record<string, unknown>).channels).toEqual(['chat:news']);
    expect(session.details().info).toEqual({ name: 'Grace' });
  });

  it('refuses a token whose channels claim is not a list of channel names with 3500', async () => {
    for (const channels of ['chat:news', [1], ['']]) {
      const { transport, session } = open();
      send(session, { id: 1, method: 'connect', params: { token: await sign({ sub: '42', channels }) } });
      expect(await closed(transport)).toEqual({ code: 3500, reason: 'invalid token: channels claim must be an array of channel names' });
      await relais!.close();
    }
  });

  it('answers an expired token with 109 and closes, so the client fetches a new one', async () => {
    const { transport, session } = open();
    send(session, { id: 1, method: 'connect', params: { token: await sign({ sub: '1' }, { expiresInS: -60 }) } });
    expect((await reply(transport, 1)).error).toMatchObject({ code: 109, message: 'token expired' });
    expect(transport.closed?.code).toBe(3505);
  });

  it('closes with 3005 when the token expires without a refresh, not before', async () => {
    vi.useFakeTimers();
    const { transport, session } = await connect(await sign({ sub: '1' }, { expiresInS: 60 }));
    // The deadline is the token's exp (waiting for the reply moved the fake clock a little).
    vi.advanceTimersByTime(expiryOf(session) - Date.now() - 1);
    expect(session.state).toBe('connected');
    vi.advanceTimersByTime(1);
    expect(transport.closed).toEqual({ code: 3005, reason: 'token expired' });
  });

  it('moves the deadline with refresh, and updates the claims', async () => {
    vi.useFakeTimers();
    const { transport, session } = await connect(await sign({ sub: '1', v: 1 }, { expiresInS: 60 }));
    vi.advanceTimersByTime(expiryOf(session) - Date.now() - 5_000);
    send(session, { id: 2, method: 'refresh', params: { token: await sign({ sub: '1', v: 2 }, { expiresInS: 300 }) } });
    const refreshed = (await reply(transport, 2)).result as { expiresInMs: number };
    expect(refreshed.expiresInMs).toBeGreaterThan(290_000);
    expect(session.details().claims?.v).toBe(2);
    vi.advanceTimersByTime(expiryOf(session) - Date.now() - 1);
    expect(session.state).toBe('connected');
    vi.advanceTimersByTime(1);
    expect(transport.closed?.code).toBe(3005);
  });

  it.each([
    ['a token of another user', () => sign({ sub: '2' })],
    ['a token with a bad signature', () => sign({ sub: '1' }, { key: new TextEncoder().encode(`${SECRET}!`) })],
    ['an expired token', () => sign({ sub: '1' }, { expiresInS: -1 })],
    ['a subscription token of the same user', () => sign({ sub: '1', channel: 'secret:plans' })],
  ])('closes with 3500 on a refresh with %s', async (_name, make) => {
    const { transport, session } = await connect(await sign({ sub: '1' }));
    send(session, { id: 2, method: 'refresh', params: { token: await make() } });
    expect((await closed(transport)).code).toBe(3500);
    expect(transport.reply(2)).toBeUndefined();
  });

  it('answers refresh with 108 on a node without auth', async () => {
    const { transport, session } = open({});
    send(session, { id: 1, method: 'connect' }, { id: 2, method: 'refresh', params: { token: 't' } });
    expect((await reply(transport, 2)).error).toMatchObject({ code: 108 });
  });
});

describe('server-side refresh (onRefresh)', () => {
  /** A node without auth whose onConnecting hook sets a deadline 60 s ahead. */
  let deadline = 0;

  async function connected(): Promise<{ transport: FakeTransport; session: Session }> {
    vi.useFakeTimers();
    const { transport, session } = open({ ...QUIET });
    relais!.onConnecting(() => ({ user: '7', expiresAt: (deadline = Date.now() + 60_000) }));
    send(session, { id: 1, method: 'connect' });
    const result = (await reply(transport, 1)).result as Record<string, unknown>;
    // The deadline is the server's to refresh: the client is not asked to.
    expect(result).not.toHaveProperty('expiresInMs');
    return { transport, session };
  }

  it('closes with 3005 at a hook deadline when no onRefresh hook extends it', async () => {
    const { transport } = await connected();
    // Waiting for the reply moved the fake clock a little.
    await vi.advanceTimersByTimeAsync(deadline - Date.now() - 1);
    expect(transport.closed).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.closed).toEqual({ code: 3005, reason: 'token expired' });
  });

  it('moves the deadline by what onRefresh answers, and closes when it answers expired', async () => {
    const { transport, session } = await connected();
    const asked: string[] = [];
    let extend = true;
    relais!.onRefresh(({ client }) => {
      asked.push(client.user);
      return extend ? { expiresAt: Date.now() + 60_000 } : { expired: true };
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toEqual(['7']);
    expect(session.state).toBe('connected');
    extend = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(asked).toEqual(['7', '7']);
    expect(transport.closed?.code).toBe(3005);
  });

  it('ends a subscription at its onSubscribe deadline unless onSubRefresh extends it', async () => {
    const { transport, session } = await connected();
    relais!.onRefresh(() => ({ expiresAt: Date.now() + 3_600_000 }));
    let subDeadline = 0;
    relais!.onSubscribe(() => ({ expiresAt: (subDeadline = Date.now() + 30_000) }));
    const asked: string[] = [];
    let extend = true;
    relais!.onSubRefresh(({ channel }) => {
      asked.push(channel);
      return extend ? { expiresAt: Date.now() + 30_000 } : undefined;
    });
    send(session, { id: 2, method: 'subscribe', params: { channel: 'chat:a' } });
    await reply(transport, 2);
    expect(relais!.stats().resources.tokenTimers).toBe(1);
    await vi.advanceTimersByTimeAsync(subDeadline - Date.now());
    expect(asked).toEqual(['chat:a']);
    extend = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(asked).toEqual(['chat:a', 'chat:a']);
    expect(transport.values()).toContainEqual({ type: 'unsubscribe', channel: 'chat:a', code: 109, reason: 'subscription expired' });
    expect(session.state).toBe('connected');
    expect(relais!.stats().resources.tokenTimers).toBe(0);
  });

  it('asks again after a failed onRefresh, and closes with the code of a Disconnect', async () => {
    const { transport, session } = await connected();
    let calls = 0;
    relais!.onRefresh(() => {
      calls++;
      if (calls === 1) throw new Error('backend down');
      throw new Disconnect(4503, 'banned');
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    expect(session.state).toBe('connected');
    await vi.advanceTimersByTimeAsync(REFRESH_RETRY_MS);
    expect(calls).toBe(2);
    expect(transport.closed).toEqual({ code: 4503, reason: 'banned' });
  });
});

describe('subscription tokens', () => {
  it('subscribes with a valid token, reports its expiry, and ends the subscription with an unsubscribe push 109 when it lapses', async () => {
    vi.useFakeTimers();
    const { transport, session } = await connect(await sign({ sub: '42' }, { expiresInS: 3600 }));
    send(session, {
      id: 2,
      method: 'subscribe',
      params: { channel: 'secret:plans', token: await sign({ sub: '42', channel: 'secret:plans' }, { expiresInS: 30 }) },
    });
    const { expiresInMs } = (await reply(transport, 2)).result as { expiresInMs: number };
    expect(expiresInMs).toBeGreaterThan(28_000);
    await relais!.publish('secret:plans', 'before');
    vi.advanceTimersByTime(expiresInMs);
    await relais!.publish('secret:plans', 'after');
    await vi.waitFor(() => expect(transport.pushes('unsubscribe')).toHaveLength(1));
    expect(transport.pushes('unsubscribe')[0]).toEqual({
      type: 'unsubscribe',
      channel: 'secret:plans',
      code: 109,
      reason: 'subscription token expired',
    });
    expect(transport.pushes('publication').map((p) => p.data)).toEqual(['before']);
    expect(session.channels.has('secret:plans')).toBe(false);
  });

  it('extends a subscription with sub_refresh', async () => {
    vi.useFakeTimers();
    const { transport, session } = await connect(await sign({ sub: '42' }));
    send(session, {
      id: 2,
      method: 'subscribe',
      params: { channel: 'secret:plans', token: await sign({ sub: '42', channel: 'secret:plans' }, { expiresInS: 30 }) },
    });
    await reply(transport, 2);
    send(session, {
      id: 3,
      method: 'sub_refresh',
      params: { channel: 'secret:plans', token: await sign({ sub: '42', channel: 'secret:plans' }, { expiresInS: 600 }) },
    });
    const { expiresInMs } = (await reply(transport, 3)).result as { expiresInMs: number };
    expect(expiresInMs).toBeGreaterThan(590_000);
    vi.advanceTimersByTime(60_000);
    expect(session.channels.has('secret:plans')).toBe(true);
    expect(transport.pushes('unsubscribe')).toEqual([]);
  });

  it('refuses a bad sub_refresh with 103 and keeps the subscription until its token expires', async () => {
    const { transport, session } = await connect(await sign({ sub: '42' }));
    send(session, {
      id: 2,
      method: 'subscribe',
      params: { channel: 'secret:plans', token: await sign({ sub: '42', channel: 'secret:plans' }) },
    });
    await reply(transport, 2);
    send(session, {
      id: 3,
      method: 'sub_refresh',
      params: { channel: 'secret:plans', token: await sign({ sub: '7', channel: 'secret:plans' }) },
    });
    expect((await reply(transport, 3)).error).toMatchObject({ code: 103 });
    expect(session.channels.has('secret:plans')).toBe(true);
  });

  it('answers sub_refresh with 113 for a channel not held and 107 for one held without token', async () => {
    const { transport, session } = await connect(await sign({ sub: '42' }));
    send(session, { id: 2, method: 'subscribe', params: { channel: 'chat:a' } });
    await reply(transport, 2);
    send(
      session,
      { id: 3, method: 'sub_refresh', params: { channel: 'secret:x', token: 't' } },
      { id: 4, method: 'sub_refresh', params: { channel: 'chat:a', token: 't' } },
    );
    expect((await reply(transport, 3)).error).toMatchObject({ code: 113 });
    expect((await reply(transport, 4)).error).toMatchObject({ code: 107 });
  });

  it('forgets the token timer on unsubscribe, so a later plain resubscribe is not cut', async () => {
    vi.useFakeTimers();
    const options: RelaisOptions = { ...QUIET, auth: { hmacSecret: SECRET }, namespaces: { secret: { subscribeAccess: 'token' } } };
    const { transport, session } = await connect(await sign({ sub: '42' }), options);
    send(session, {
      id: 2,
      method: 'subscribe',
      params: { channel: 'secret:a', token: await sign({ sub: '42', channel: 'secret:a' }, { expiresInS: 10 }) },
    });
    await reply(transport, 2);
    send(session, { id: 3, method: 'unsubscribe', params: { channel: 'secret:a' } });
    await reply(transport, 3);
    send(session, {
      id: 4,
      method: 'subscribe',
      params: { channel: 'secret:a', token: await sign({ sub: '42', channel: 'secret:a' }, { expiresInS: 600 }) },
    });
    await reply(transport, 4);
    vi.advanceTimersByTime(20_000);
    expect(session.channels.has('secret:a')).toBe(true);
  });
});

/**
 * The admin routes on a real node over real HTTP and WebSockets: login, the session cookie,
 * refusals without a session, the server API methods, node stats, trace streams, logout.
 */
import { SignJWT } from 'jose';
import { useTestNodes, type TestNode } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import type { NodesAnswer, TraceEvent } from '../shared/protocol.js';
import { installAdmin, type AdminDashboard } from './admin.js';
import type { AdminOptions } from './options.js';

const PASSWORD = 'correct horse battery staple';
const SECRET = 'an admin token secret of at least 32 bytes';
const start = useTestNodes();

interface Admin {
  node: TestNode;
  dashboard: AdminDashboard;
  post(name: string, body: unknown, cookie?: string, headers?: Record<string, string>): Promise<Response>;
  get(name: string, cookie?: string): Promise<Response>;
  login(body?: unknown): Promise<string>;
}

async function admin(options: AdminOptions = { password: PASSWORD }): Promise<Admin> {
  const node = await start({ nodeId: 'n1', namespaces: { room: { presence: true, historySize: 10, historyTtlMs: 60_000 } } });
  node.relais.onConnecting(({ data }) => ({ user: String((data as { user?: string } | undefined)?.user ?? '') }));
  const dashboard = installAdmin(node.relais, options);
  const url = (name: string) => `${node.base}/admin/api/${name}`;
  const post = (name: string, body: unknown, cookie?: string, headers: Record<string, string> = {}) =>
    fetch(url(name), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie && { cookie }), ...headers },
      body: JSON.stringify(body),
    });
  const get = (name: string, cookie?: string) => fetch(url(name), { headers: cookie ? { cookie } : {} });
  const login = async (body: unknown = { password: PASSWORD }) => {
    const response = await post('login', body);
    expect(response.status).toBe(200);
    return (response.headers.get('set-cookie') ?? '').split(';')[0] as string;
  };
  return { node, dashboard, post, get, login };
}

/** Reads Server-Sent Events of `response` until `done` says so; then cancels the stream. */
async function readEvents(response: Response, done: (events: TraceEvent[]) => boolean): Promise<TraceEvent[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: TraceEvent[] = [];
  let text = '';
  while (!done(events)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += value;
    let end: number;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      if (block.startsWith('event: frames\n')) events.push(JSON.parse(block.slice(block.indexOf('data: ') + 6)) as TraceEvent);
    }
  }
  await reader.cancel();
  return events;
}

describe('the admin routes', () => {
  it('refuses every route but login without a session', async () => {
    const { post, get } = await admin();
    for (const response of [
      await get('session'),
      await get('nodes'),
      await get('trace?user=a'),
      await post('publish', { channel: 'room:1', data: 1 }),
      await post('channels', {}),
      await post('logout', {}),
      await get('session', 'relais_admin=forged.token'),
    ]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 101 } });
    }
  });

  it('logs in with the password into an HttpOnly, SameSite=Strict session cookie', async () => {
    const { post, get } = await admin();
    expect((await post('login', { password: 'wrong password!!' })).status).toBe(401);
    const response = await post('login', { password: PASSWORD });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { user: string; expiresAt: number };
    expect(body.user).toBe('admin');
    expect(body.expiresAt).toBeGreaterThan(Date.now());
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^relais_admin=[^;]+; Path=\/admin\/; Max-Age=3\d{3}; HttpOnly; SameSite=Strict$/);
    const cookie = setCookie.split(';')[0] as string;
    expect(await (await get('session', cookie)).json()).toEqual(body);
  });

  it('publishes, lists channels, reads presence and history, unsubscribes and disconnects through the server API', async () => {
    const { node, post, login } = await admin();
    const cookie = await login();
    const alice = await node.connect(undefined, { data: { user: 'alice' } });
    await alice.call('subscribe', { channel: 'room:1' });
    const call = async (name: string, params: unknown) =>
      (await (await post(name, params, cookie)).json()) as { result: Record<string, unknown> };
    expect((await call('channels', { pattern: 'room:*' })).result).toEqual({ channels: { 'room:1': { subscribers: 1 } } });
    expect((await call('publish', { channel: 'room:1', data: { text: 'from admin' } })).result).toMatchObject({ offset: 1 });
    expect(await alice.nextPush((push) => push.type === 'publication')).toMatchObject({ data: { text: 'from admin' } });
    expect(Object.values((await call('presence', { channel: 'room:1' })).result.presence as object)).toEqual([
      { client: alice.id, user: 'alice' },
    ]);
    expect((await call('history', { channel: 'room:1', limit: 5 })).result.publications).toHaveLength(1);
    expect((await call('unsubscribe', { user: 'alice', channel: 'room:1' })).result).toEqual({ unsubscribed: 1 });
    expect((await call('disconnect', { user: 'alice' })).result).toEqual({ disconnected: 1 });
    expect((await alice.closed).code).toBe(3503);
  });

  it('answers bad input with the server API’s errors, and refuses methods it does not offer', async () => {
    const { post, login } = await admin();
    const cookie = await login();
    const bad = await post('publish', { channel: 'room:1' }, cookie);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 107 } });
    expect((await post('publish', { channel: 'nope:1', data: 1 }, cookie)).status).toBe(400);
    expect((await post('send_all', { data: 1 }, cookie)).status).toBe(404);
    expect((await post('history_remove', { channel: 'room:1' }, cookie)).status).toBe(404);
  });

  it('refuses a POST that is not JSON, or that comes from another origin', async () => {
    const { node, post, login } = await admin();
    const cookie = await login();
    const form = await fetch(`${node.base}/admin/api/publish`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    const cross = await post('publish', { channel: 'room:1', data: 1 }, cookie, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    expect((await post('login', { password: PASSWORD }, undefined, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('rate-limits login attempts per address', async () => {
    const { post } = await admin({ password: PASSWORD, loginAttemptsPerMinute: 2 });
    expect((await post('login', { password: 'wrong password!!' })).status).toBe(401);
    expect((await post('login', { password: PASSWORD })).status).toBe(200);
    const refused = await post('login', { password: PASSWORD });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('logs in with an admin token: signed with the secret, for the relais-admin audience, with an exp', async () => {
    const { post, login, get } = await admin({ jwtSecret: SECRET });
    const key = new TextEncoder().encode(SECRET);
    const sign = (aud: string | undefined, exp: boolean) => {
      let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('ops');
      if (aud) jwt = jwt.setAudience(aud);
      if (exp) jwt = jwt.setExpirationTime('10m');
      return jwt.sign(key);
    };
    const cookie = await login({ token: await sign('relais-admin', true) });
    expect(await (await get('session', cookie)).json()).toMatchObject({ user: 'ops' });
    expect((await post('login', { token: await sign(undefined, true) })).status).toBe(401);
    expect((await post('login', { token: await sign('relais-admin', false) })).status).toBe(401);
    // No password is configured: none is accepted.
    expect((await post('login', { password: PASSWORD })).status).toBe(401);
  });

  it('lists the nodes with their numbers', async () => {
    const { node, get, login } = await admin();
    const cookie = await login();
    await node.connect(undefined, { data: { user: 'bob' } });
    const answer = (await (await get('nodes', cookie)).json()) as NodesAnswer;
    expect(answer.errors).toEqual([]);
    expect(answer.nodes).toMatchObject([{ id: 'n1', connections: 1 }]);
  });

  it('streams a user’s frames as Server-Sent Events and stops the trace when the stream closes', async () => {
    const { node, get, login } = await admin();
    const cookie = await login();
    expect((await get('trace?user=a&channel=b', cookie)).status).toBe(400);
    const stream = await get('trace?user=carol', cookie);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await expect.poll(async () => (await node.relais.clusterStats()).nodes[0]?.traces).toBe(1);
    const carol = await node.connect(undefined, { data: { user: 'carol' } });
    await carol.call('subscribe', { channel: 'room:t' });
    const events = await readEvents(stream, (all) => all.some((e) => e.frames.some((f) => f.kind === 'reply')));
    const frames = events.flatMap((event) => event.frames);
    expect(frames.map((f) => `${f.direction} ${f.kind}`)).toEqual(['out connect', 'in command', 'out reply']);
    expect(frames[1]).toMatchObject({ user: 'carol', node: 'n1', frame: { method: 'subscribe', params: { channel: 'room:t' } } });
    // The page went away: the trace ends on the node.
    await expect.poll(async () => (await node.relais.clusterStats()).nodes[0]?.traces).toBe(0);
  });

  it('ends the session on logout', async () => {
    const { post, get, login } = await admin();
    const cookie = await login();
    const out = await post('logout', {}, cookie);
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^relais_admin=; Path=\/admin\/; Max-Age=0;/);
    expect((await get('session', cookie)).status).toBe(401);
  });

  it('removes its routes on close', async () => {
    const { dashboard, post } = await admin();
    dashboard.close();
    expect((await post('login', { password: PASSWORD })).status).toBe(404);
  });
});

/**
 * The admin dashboard of `relais serve` on two nodes sharing Redis: one dashboard lists both
 * nodes, and traces a user connected to the other node.
 */
import { Writable } from 'node:stream';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { TestClient } from '@relais/server/testkit';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodesAnswer, TraceEvent } from '@relais/app-admin/server';
import { main, type Served } from '../src/cli/main.js';
import { REDIS_URL, deleteKeys, uniquePrefix } from '../../redis/test/redis-helpers.js';

const PASSWORD = 'correct horse battery staple';
const AUTH_SECRET = 'the connection token secret, 32 bytes or more';
const prefix = uniquePrefix('admin');
let served: Served[] = [];
let clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(served.map((node) => node.stop()));
  served = [];
  clients = [];
  await deleteKeys(REDIS_URL, prefix);
});

async function serve(): Promise<string> {
  const env = {
    RELAIS_ENGINE: 'redis',
    RELAIS_REDIS_URL: REDIS_URL,
    RELAIS_REDIS_PREFIX: prefix,
    RELAIS_ADMIN_PASSWORD: PASSWORD,
    RELAIS_AUTH_HMAC_SECRET: AUTH_SECRET,
  };
  const logStream = new Writable({ write: (_chunk, _encoding, done) => done() });
  const result = await main(['serve', '--port', '0', '--host', '127.0.0.1', '--no-apps', '--no-demo'], {
    env,
    out: () => {},
    err: () => {},
    tty: false,
    logStream,
  });
  if (typeof result === 'number') throw new Error(`relais serve exited with ${result}`);
  served.push(result);
  return `http://127.0.0.1:${result.port}`;
}

/** Reads Server-Sent Events `frames` of `response` until `done` says so; then cancels the stream. */
async function readFrames(response: Response, done: (events: TraceEvent[]) => boolean): Promise<TraceEvent[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: TraceEvent[] = [];
  let text = '';
  while (!done(events)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    text += value;
    for (let end = text.indexOf('\n\n'); end !== -1; end = text.indexOf('\n\n')) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      if (block.startsWith('event: frames\n')) events.push(JSON.parse(block.slice(block.indexOf('data: ') + 6)) as TraceEvent);
    }
  }
  await reader.cancel();
  return events;
}

describe('the admin dashboard on two Redis nodes', () => {
  it('lists both nodes and traces a user connected to the other one', async () => {
    const [a, b] = [await serve(), await serve()];
    const login = await fetch(`${a}/admin/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const nodes = async () => (await (await fetch(`${a}/admin/api/nodes`, { headers: { cookie } })).json()) as NodesAnswer;
    await expect.poll(async () => (await nodes()).nodes.length, { timeout: 10_000 }).toBe(2);
    const [self, other] = (await nodes()).nodes as [NodesAnswer['nodes'][0], NodesAnswer['nodes'][0]];
    expect(self.id).not.toBe(other.id);

    const trace = await fetch(`${a}/admin/api/trace?user=zed`, { headers: { cookie } });
    expect(trace.status).toBe(200);
    await expect.poll(async () => (await nodes()).nodes.map((node) => node.traces)).toEqual([1, 1]);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('zed').sign(new TextEncoder().encode(AUTH_SECRET));
    const zed = await TestClient.open(`${b.replace('http', 'ws')}/connection/websocket`, { protocols: JSON_SUBPROTOCOL });
    clients.push(zed);
    await zed.call('connect', { token });
    await zed.call('subscribe', { channel: 'room' });
    const frames = (await readFrames(trace, (events) => events.some((e) => e.frames.some((f) => f.kind === 'reply')))).flatMap(
      (event) => event.frames,
    );
    expect(frames.map((f) => `${f.node === other.id ? 'other' : f.node} ${f.user} ${f.direction} ${f.kind}`)).toEqual([
      'other zed out connect',
      'other zed in command',
      'other zed out reply',
    ]);
    expect(frames[1]!.frame).toMatchObject({ method: 'subscribe', params: { channel: 'room' } });
    // The stream closed: the trace ends on both nodes.
    await expect.poll(async () => (await nodes()).nodes.map((node) => node.traces)).toEqual([0, 0]);
  });
});

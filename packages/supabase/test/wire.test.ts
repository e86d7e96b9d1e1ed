import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { POSTGRES_CHANGES_DISABLED } from '../src/index.js';
import { next, sign, subscribed, useSupabaseNodes } from './harness.js';

const start = useSupabaseNodes();

/** A raw Phoenix client speaking vsn 2.0.0 (arrays), to send what realtime-js never would. */
async function raw(
  base: string,
  query = 'vsn=2.0.0',
): Promise<{ ws: WebSocket; send(frame: unknown): void; reply(ref: string): Promise<unknown[]> }> {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/realtime/v1/websocket?${query}`);
  const frames: unknown[][] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as unknown[]);
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const reply = async (ref: string): Promise<unknown[]> => {
    for (;;) {
      const found = frames.find((frame) => frame[1] === ref && frame[3] === 'phx_reply');
      if (found) return found;
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  return { ws, send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)), reply };
}

describe('Phoenix wire', () => {
  it('answers heartbeats on the phoenix topic', async () => {
    const node = await start();
    const client = await raw(node.base);
    client.send([null, '1', 'phoenix', 'heartbeat', {}]);
    expect(await client.reply('1')).toEqual([null, '1', 'phoenix', 'phx_reply', { status: 'ok', response: {} }]);
    client.ws.close();
  });

  it('answers malformed frames, unknown events and unmatched topics with Phoenix errors, and keeps serving', async () => {
    const node = await start();
    const client = await raw(node.base);
    client.send('not json');
    client.send([null, '2', 'phoenix', 'shutdown', {}]);
    client.send(['1', '3', 'realtime:nowhere', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    client.send(['4', '4', 'realtime:room', 'phx_join', { config: { broadcast: { self: 'yes' } } }]);
    client.send(['5', '5', 'elsewhere', 'phx_join', {}]);
    expect((await client.reply('2'))[4]).toEqual({ status: 'error', response: { reason: 'unknown event "shutdown" on phoenix' } });
    expect((await client.reply('3'))[4]).toEqual({ status: 'error', response: { reason: 'unmatched topic' } });
    expect((await client.reply('4'))[4]).toEqual({ status: 'error', response: { reason: 'config.broadcast.self must be a boolean' } });
    expect((await client.reply('5'))[4]).toMatchObject({
      status: 'error',
      response: { reason: expect.stringContaining('topics are realtime:<name>') },
    });
    client.send(['6', '6', 'realtime:room', 'phx_join', { config: {}, access_token: await sign({ role: 'anon' }) }]);
    expect((await client.reply('6'))[4]).toEqual({ status: 'ok', response: { postgres_changes: [] } });
    client.send(['6', '7', 'realtime:room', 'dance', {}]);
    expect((await client.reply('7'))[4]).toEqual({ status: 'error', response: { reason: 'unknown event "dance" on realtime:room' } });
    // "shutdown" on phoenix and "dance" on a joined topic.
    expect(node.mounted.stats().rejected).toEqual({ malformed: 1, unknown_event: 2, unmatched_topic: 1 });
    client.ws.close();
  });

  it('refuses an unknown vsn at the upgrade', async () => {
    const node = await start();
    await expect(raw(node.base, 'vsn=3.0.0')).rejects.toThrow('Unexpected server response: 400');
  });

  it('closes a socket whose frame passes maxFrameBytes (1009) and serves the others', async () => {
    const node = await start({}, { maxFrameBytes: 1024 });
    const client = await raw(node.base);
    const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
    client.send([null, '1', 'phoenix', 'heartbeat', { pad: 'x'.repeat(2048) }]);
    expect(await closed).toBe(1009);
    const other = node.client().channel('still-here');
    await subscribed(other);
  });

  it('closes the socket (1001) when the node shuts down, so the client reconnects to another node', async () => {
    const node = await start();
    const client = await raw(node.base);
    client.send(['1', '1', 'realtime:room', 'phx_join', { config: {}, access_token: await sign({ role: 'anon' }) }]);
    expect((await client.reply('1'))[4]).toMatchObject({ status: 'ok' });
    const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
    await node.relais.close();
    expect(await closed).toBe(1001);
    expect(node.mounted.stats().sockets).toBe(0);
  });

  it("closes a socket that does not read (1013): the slow-consumer limit of its channels is the socket's", async () => {
    const node = await start({ maxQueueBytes: 65_536 });
    const client = await raw(node.base);
    client.send(['1', '1', 'realtime:big', 'phx_join', { config: {}, access_token: await sign({ role: 'anon' }) }]);
    expect((await client.reply('1'))[4]).toMatchObject({ status: 'ok' });
    const tcp = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    tcp.pause();
    const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
    const big = 'x'.repeat(60_000);
    for (let i = 0; i < 400 && node.mounted.stats().sockets > 0; i++) await node.relais.publish('supabase:big', { big });
    tcp.resume();
    expect(await closed).toBe(1013);
  });

  it('a second phx_join of a joined topic replaces the first (one listening connection)', async () => {
    const node = await start();
    const client = await raw(node.base);
    const token = await sign({ role: 'anon' });
    client.send(['1', '1', 'realtime:dup', 'phx_join', { access_token: token }]);
    expect((await client.reply('1'))[4]).toMatchObject({ status: 'ok' });
    client.send(['2', '2', 'realtime:dup', 'phx_join', { access_token: token, config: { broadcast: { ack: true } } }]);
    expect(await client.reply('2')).toEqual(['2', '2', 'realtime:dup', 'phx_reply', { status: 'ok', response: { postgres_changes: [] } }]);
    client.send(['2', '3', 'realtime:dup', 'broadcast', { type: 'broadcast', event: 'e', payload: {} }]);
    expect((await client.reply('3'))[4]).toEqual({ status: 'ok', response: {} });
    expect(Object.keys(await node.relais.presence('supabase:dup'))).toHaveLength(1);
    client.ws.close();
  });

  it('refuses joins beyond maxChannelsPerSocket', async () => {
    const node = await start({}, { maxChannelsPerSocket: 1 });
    const client = await raw(node.base);
    const token = await sign({ role: 'anon' });
    client.send(['1', '1', 'realtime:one', 'phx_join', { access_token: token }]);
    expect((await client.reply('1'))[4]).toMatchObject({ status: 'ok' });
    client.send(['2', '2', 'realtime:two', 'phx_join', { access_token: token }]);
    expect((await client.reply('2'))[4]).toEqual({ status: 'error', response: { reason: 'too many channels: at most 1 per connection' } });
    client.ws.close();
  });

  it("refuses an upgrade from an origin outside the node's allowedOrigins (403)", async () => {
    const node = await start({ allowedOrigins: ['https://app.example'] });
    const url = `${node.base.replace('http', 'ws')}/realtime/v1/websocket?vsn=2.0.0`;
    const refused = new WebSocket(url, { origin: 'https://evil.example' });
    await expect(new Promise((resolve, reject) => refused.once('open', resolve).once('error', reject))).rejects.toThrow(
      'Unexpected server response: 403',
    );
    const allowed = new WebSocket(url, { origin: 'https://app.example' });
    await new Promise((resolve, reject) => allowed.once('open', resolve).once('error', reject));
    allowed.close();
  });

  it('unmount closes the sockets (1001) and frees the routes', async () => {
    const node = await start();
    const client = await raw(node.base);
    const closed = new Promise<number>((resolve) => client.ws.once('close', resolve));
    node.mounted.unmount();
    expect(await closed).toBe(1001);
    expect((await fetch(`${node.base}/realtime/v1/api/broadcast`, { method: 'POST', body: '{}' })).status).toBe(404);
    await expect(raw(node.base)).rejects.toThrow('Unexpected server response: 404');
  });

  it('leaves a channel on phx_leave (ok, then phx_close), and the client can join again', async () => {
    const node = await start();
    const channel = node.client().channel('room');
    await subscribed(channel);
    expect(await channel.unsubscribe()).toBe('ok');
    await expect.poll(() => node.relais.presence('supabase:room').then((entries) => Object.keys(entries).length)).toBe(0);
  });
});

describe('auth', () => {
  it('refuses a join whose key the node does not verify (CHANNEL_ERROR with the reason)', async () => {
    const node = await start();
    const forged = await new (await import('jose')).SignJWT({ role: 'anon' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    const channel = node.client(forged).channel('room');
    await expect(subscribed(channel)).rejects.toMatchObject({ status: 'CHANNEL_ERROR' });
  });

  it('refuses a private channel to the anon key, and lets a user token in', async () => {
    const node = await start();
    const anon = node.client().channel('secret', { config: { private: true } });
    await expect(subscribed(anon)).rejects.toThrow(/CHANNEL_ERROR: .*private channel needs an access token of a user/);

    const user = await sign({ sub: 'user-1', role: 'authenticated' });
    const client = node.client();
    await client.realtime.setAuth(user);
    const channel = client.channel('secret', { config: { private: true, broadcast: { ack: true } } });
    await subscribed(channel);
    const native = await node.native();
    await native.call('connect', { token: user });
    await native.call('subscribe', { channel: 'supabase-private:secret' });
    const published = native.nextPush((push) => push.type === 'publication');
    await channel.send({ type: 'broadcast', event: 'e', payload: { private: true } });
    expect(await published).toMatchObject({ channel: 'supabase-private:secret', data: { private: true } });
  });

  it('applies an access_token sent mid-connection to the channel (refresh on the node)', async () => {
    const node = await start();
    const client = node.client();
    await client.realtime.setAuth(await sign({ sub: 'user-1', role: 'authenticated' }, 60));
    const channel = client.channel('room', { config: { broadcast: { ack: true } } });
    await subscribed(channel);
    await client.realtime.setAuth(await sign({ sub: 'user-1', role: 'authenticated', refreshed: true }, 3600));
    // Another user's token cannot take the connection over: the node ends it, the client is told.
    const system = next<{ status: string; message: string }>((cb) => channel.on('system', {}, cb));
    await client.realtime.setAuth(await sign({ sub: 'user-2', role: 'authenticated' }));
    expect(await system).toMatchObject({ status: 'error', message: expect.stringContaining('another user') });
  });
});

describe('token expiry', () => {
  it('ends a channel whose token expires unrefreshed (3005): a system error, then phx_error', async () => {
    const node = await start();
    const client = node.client();
    await client.realtime.setAuth(await sign({ sub: 'user-1', role: 'authenticated' }, 1));
    const channel = client.channel('expiring');
    const system = next<{ status: string; message: string }>((cb) => channel.on('system', {}, cb));
    await subscribed(channel);
    expect(await system).toMatchObject({ status: 'error', message: expect.stringContaining('(3005)') });
  });
});

describe('postgres_changes', () => {
  it('answers the bindings and then a system error: the feed is not on this server', async () => {
    const node = await start();
    const channel = node.client().channel('humeur_realtime');
    const system = next<{ status: string; message: string; extension: string }>((cb) => channel.on('system', {}, cb));
    channel.on('postgres_changes', { event: '*', schema: 'public', table: 'humeur' }, () => undefined);
    await subscribed(channel);
    expect(await system).toMatchObject({ status: 'error', extension: 'postgres_changes', message: POSTGRES_CHANGES_DISABLED });
  });
});

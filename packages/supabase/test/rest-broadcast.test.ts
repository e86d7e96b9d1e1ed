import { describe, expect, it } from 'vitest';
import { next, sign, subscribed, useSupabaseNodes } from './harness.js';

const start = useSupabaseNodes();

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('POST /realtime/v1/api/broadcast', () => {
  it('broadcasts a batch to Supabase and native subscribers (202)', async () => {
    const node = await start();
    const channel = node.client().channel('room1');
    const got = next<{ payload: unknown }>((cb) => channel.on('broadcast', { event: 'news' }, cb));
    await subscribed(channel);
    const native = await node.native();
    await native.call('connect', { token: await sign({ sub: 'n1' }) });
    await native.call('subscribe', { channel: 'supabase:room1' });
    const published = native.nextPush((push) => push.type === 'publication');

    const anon = await sign({ role: 'anon' });
    const answer = await post(
      `${node.base}/realtime/v1/api/broadcast`,
      { messages: [{ topic: 'room1', event: 'news', payload: { n: 1 } }] },
      { apikey: anon },
    );
    expect(answer).toEqual({ status: 202, body: undefined });
    expect((await got).payload).toEqual({ n: 1 });
    expect(await published).toMatchObject({ channel: 'supabase:room1', event: 'news', data: { n: 1 } });
  });

  it("serves realtime-js's httpSend (/<topic>/events/<event>) and send() without a socket", async () => {
    const node = await start();
    const listener = node.client().channel('room2');
    const events: string[] = [];
    const both = new Promise<void>((resolve) => {
      listener.on('broadcast', { event: '*' }, ({ event }) => {
        events.push(event as string);
        if (events.length === 2) resolve();
      });
    });
    await subscribed(listener);
    const sender = node.client().channel('room2');
    expect(await sender.httpSend('via-http', { a: 1 })).toEqual({ success: true });
    // A channel that has not joined falls back to the REST batch endpoint.
    expect(await sender.send({ type: 'broadcast', event: 'via-fallback', payload: { b: 2 } })).toBe('ok');
    await both;
    expect(events).toEqual(['via-http', 'via-fallback']);
  });

  it('refuses a bad key (401), a private topic to the anon key (403), bad bodies (400), other methods (405), large bodies (413)', async () => {
    const node = await start({}, { maxBodyBytes: 256 });
    const url = `${node.base}/realtime/v1/api/broadcast`;
    const anon = await sign({ role: 'anon' });
    const message = { topic: 'room', event: 'e', payload: {} };
    expect(await post(url, { messages: [message] }, { apikey: 'not-a-jwt' })).toMatchObject({
      status: 401,
      body: { message: expect.any(String) },
    });
    expect(await post(url, { messages: [message] })).toMatchObject({ status: 401 });
    expect(await post(url, { messages: [{ ...message, private: true }] }, { apikey: anon })).toMatchObject({
      status: 403,
      body: { message: 'a private channel needs an access token of a user (with sub)' },
    });
    const user = await sign({ sub: 'u1', role: 'authenticated' });
    expect(await post(url, { messages: [{ ...message, private: true }] }, { apikey: anon, authorization: `Bearer ${user}` })).toEqual({
      status: 202,
      body: undefined,
    });
    expect(await post(url, '{', { apikey: anon })).toEqual({ status: 400, body: { message: 'the body is not valid JSON' } });
    expect(await post(url, { messages: [] }, { apikey: anon })).toMatchObject({ status: 400 });
    expect(await post(url, { messages: [{ topic: 'room' }] }, { apikey: anon })).toEqual({
      status: 400,
      body: { message: 'messages[0].event must be a non-empty string' },
    });
    expect(await post(url, { messages: [{ ...message, payload: 'x'.repeat(300) }] }, { apikey: anon })).toMatchObject({ status: 413 });
    expect((await fetch(url)).status).toBe(405);
    expect(await post(`${url}/room/nothing`, {}, { apikey: anon })).toMatchObject({ status: 404 });
  });
});

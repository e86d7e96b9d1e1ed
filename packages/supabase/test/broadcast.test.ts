import type { PublicationPush } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { next, sign, subscribed, useSupabaseNodes } from './harness.js';

const start = useSupabaseNodes();

describe('Supabase broadcast on relais (real @supabase/supabase-js)', () => {
  it.each(['2.0.0', '1.0.0'])('subscribes and broadcasts between two clients (vsn %s)', async (vsn) => {
    const node = await start();
    const alice = node.client(undefined, { vsn }).channel('room1');
    const bob = node.client(undefined, { vsn }).channel('room1');
    const got = next<{ event: string; payload: unknown }>((cb) => bob.on('broadcast', { event: 'cursor-pos' }, cb));
    await subscribed(alice);
    await subscribed(bob);
    expect(await alice.send({ type: 'broadcast', event: 'cursor-pos', payload: { x: 1, y: 2 } })).toBe('ok');
    expect(await got).toEqual({ type: 'broadcast', event: 'cursor-pos', payload: { x: 1, y: 2 } });
  });

  it('acknowledges a broadcast with ack: true once the node has accepted it', async () => {
    const node = await start();
    const channel = node.client().channel('acked', { config: { broadcast: { ack: true } } });
    await subscribed(channel);
    expect(await channel.send({ type: 'broadcast', event: 'e', payload: { n: 1 } })).toBe('ok');
  });

  it('sends a broadcast back to its sender only with self: true', async () => {
    const node = await start();
    const selfish = node.client().channel('echo', { config: { broadcast: { self: true, ack: true } } });
    const plain = node.client().channel('echo', { config: { broadcast: { ack: true } } });
    const echoed = next<{ payload: unknown }>((cb) => selfish.on('broadcast', { event: 'mine' }, cb));
    const plainFirst = next<{ event: string }>((cb) => plain.on('broadcast', { event: '*' }, cb));
    await subscribed(selfish);
    await subscribed(plain);
    await plain.send({ type: 'broadcast', event: 'not-echoed', payload: {} });
    await selfish.send({ type: 'broadcast', event: 'mine', payload: { me: true } });
    expect((await echoed).payload).toEqual({ me: true });
    // The channel delivers in order: had plain got its own message, it would have come first.
    expect((await plainFirst).event).toBe('mine');
  });

  it('a Supabase broadcast reaches native SDK subscribers of the mapped channel, and back', async () => {
    const node = await start();
    const native = await node.native();
    await native.call('connect', { token: await sign({ sub: 'native-1', role: 'authenticated' }) });
    await native.call('subscribe', { channel: 'supabase:room1' });
    const channel = node.client().channel('room1', { config: { broadcast: { ack: true } } });
    const fromNative = next<{ event: string; payload: unknown }>((cb) => channel.on('broadcast', { event: 'hello' }, cb));
    await subscribed(channel);

    const published = native.nextPush((push) => push.type === 'publication');
    await channel.send({ type: 'broadcast', event: 'cursor', payload: { x: 3 } });
    expect(await published).toMatchObject({
      type: 'publication',
      channel: 'supabase:room1',
      event: 'cursor',
      data: { x: 3 },
    } satisfies Partial<PublicationPush>);

    await native.call('publish', { channel: 'supabase:room1', event: 'hello', data: { from: 'native' } });
    expect(await fromNative).toEqual({ type: 'broadcast', event: 'hello', payload: { from: 'native' } });
  });

  it('a server publish without an event arrives as the broadcast event "message"', async () => {
    const node = await start();
    const channel = node.client().channel('news');
    const got = next<{ event: string; payload: unknown }>((cb) => channel.on('broadcast', { event: 'message' }, cb));
    await subscribed(channel);
    await node.relais.publish('supabase:news', { headline: 'hi' });
    expect(await got).toEqual({ type: 'broadcast', event: 'message', payload: { headline: 'hi' } });
  });

  it('answers an ack: true broadcast the node refuses with an error', async () => {
    const node = await start({
      namespaces: { supabase: { publishAccess: 'nobody' } },
    });
    const channel = node.client().channel('readonly', { config: { broadcast: { ack: true } } });
    await subscribed(channel);
    expect(await channel.send({ type: 'broadcast', event: 'e', payload: {} })).toBe('error');
  });

  it('refuses an event name relais cannot carry (over 64 characters) and keeps the channel', async () => {
    const node = await start();
    const channel = node.client().channel('long', { config: { broadcast: { ack: true } } });
    await subscribed(channel);
    expect(await channel.send({ type: 'broadcast', event: 'e'.repeat(65), payload: {} })).toBe('error');
    expect(await channel.send({ type: 'broadcast', event: 'short', payload: {} })).toBe('ok');
  });

  it('a flood gets rate-limit errors, then the node ends the channel (3013) and realtime-js rejoins; other clients are unaffected', async () => {
    const node = await start({ limits: { perConnection: { publishes: { perSecond: 1, burst: 2 } } } });
    const flooder = node.client().channel('flood', { config: { broadcast: { ack: true } } });
    const statuses: string[] = [];
    const rejoined = new Promise<void>((resolve) => {
      flooder.subscribe((status) => {
        statuses.push(status);
        if (statuses.filter((seen) => seen === 'SUBSCRIBED').length === 2) resolve();
      });
    });
    const other = node.client().channel('flood', { config: { broadcast: { ack: true } } });
    await subscribed(other);
    await expect.poll(() => statuses).toEqual(['SUBSCRIBED']);
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) answers.push(await flooder.send({ type: 'broadcast', event: 'spam', payload: { i } }));
    expect(answers).toEqual(['ok', 'ok', 'error']);
    // Refused beyond floodFactor (2) × burst (2): the node closes the channel's connection with 3013.
    for (let i = 0; i < 4; i++) void flooder.send({ type: 'broadcast', event: 'spam', payload: { i } });
    await rejoined;
    expect(statuses).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED']);
    expect(await other.send({ type: 'broadcast', event: 'still', payload: {} })).toBe('ok');
  });
});

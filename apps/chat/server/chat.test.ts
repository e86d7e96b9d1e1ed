import type { Push } from '@relais/protocol';
import { ERROR_CODES, OptionsError } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import { CREATE_ROOM_RPC, ROOMS_CHANNEL, ROOMS_RPC, TYPING_EVENT } from '../shared/protocol.js';
import { TYPING_RATE, installChat } from './chat.js';
import { withDemoNamespaces } from './namespaces.js';
import { resolveDemoOptions, type DemoOptions } from './options.js';

const start = useTestNodes();

/** A node configured as `relais serve` configures it for the demo. */
async function chat(demo: DemoOptions = {}) {
  const resolved = resolveDemoOptions(demo);
  const node = await start({ namespaces: withDemoNamespaces(undefined, resolved) });
  installChat(node.relais, resolved);
  const as = (name?: string) => node.connect(undefined, name === undefined ? {} : { data: { name } });
  return { ...node, as };
}

const isPublication = (push: Push) => push.type === 'publication';

describe('demo chat', () => {
  it('stamps a message with its author, an id and the server time, trimmed', async () => {
    const { as } = await chat({ now: () => 1_700_000_000_000 });
    const [ada, bob] = await Promise.all([as('  Ada  '), as('Bob')]);
    await bob.call('subscribe', { channel: 'chat:lobby' });
    await ada.call('publish', { channel: 'chat:lobby', data: { text: '  hello <b>bob</b>  ', nonce: 'n-1' } });
    const push = await bob.nextPush(isPublication);
    expect(push).toMatchObject({
      channel: 'chat:lobby',
      data: { text: 'hello <b>bob</b>', author: 'Ada', at: 1_700_000_000_000, nonce: 'n-1', id: expect.any(String) },
      info: { client: ada.id, info: { name: 'Ada' } },
    });
  });

  it.each([
    ['an empty text', { text: '   ' }, ERROR_CODES.BAD_REQUEST, 'message is empty'],
    ['a text over the limit', { text: 'x'.repeat(11) }, ERROR_CODES.LIMIT_EXCEEDED, 'message is longer than 10 characters'],
    ['no text', { body: 'hi' }, ERROR_CODES.BAD_REQUEST, 'unknown field "body" in a chat message'],
    ['a non-object', 'hi', ERROR_CODES.BAD_REQUEST, 'a chat message is an object { text }'],
    ['control characters', { text: 'a\u0000b' }, ERROR_CODES.BAD_REQUEST, 'message must not contain control characters'],
    ['a bad nonce', { text: 'hi', nonce: '../x' }, ERROR_CODES.BAD_REQUEST, 'nonce must be 1 to 64 letters, digits, "-" or "_"'],
  ])('rejects %s', async (_what, data, code, message) => {
    const { as, relais } = await chat({ maxMessageLength: 10 });
    const ada = await as('Ada');
    expect(await ada.command('publish', { channel: 'chat:lobby', data })).toMatchObject({ error: { code, message } });
    expect(relais.stats().errors[String(code)]).toBe(1);
  });

  it('keeps line breaks and tabs inside a message', async () => {
    const { as } = await chat();
    const [ada, bob] = await Promise.all([as('Ada'), as('Bob')]);
    await bob.call('subscribe', { channel: 'chat:lobby' });
    await ada.call('publish', { channel: 'chat:lobby', data: { text: 'line 1\r\nline 2\tend' } });
    expect(await bob.nextPush(isPublication)).toMatchObject({ data: { text: 'line 1\r\nline 2\tend' } });
  });

  it('counts characters, not UTF-16 units, against the length limit', async () => {
    const { as } = await chat({ maxMessageLength: 3 });
    const ada = await as('Ada');
    expect(await ada.call('publish', { channel: 'chat:lobby', data: { text: '😀😀😀' } })).toMatchObject({ offset: 1 });
  });

  it('refuses chat messages from a connection without a display name, and other events', async () => {
    const { as } = await chat();
    const anonymous = await as();
    expect(await anonymous.command('publish', { channel: 'chat:lobby', data: { text: 'hi' } })).toMatchObject({
      error: { code: ERROR_CODES.PERMISSION_DENIED, message: 'pick a display name before chatting' },
    });
    const ada = await as('Ada');
    expect(await ada.command('publish', { channel: 'chat:lobby', event: 'shout', data: { text: 'hi' } })).toMatchObject({
      error: { code: ERROR_CODES.BAD_REQUEST, message: 'unknown chat event "shout"' },
    });
  });

  it('refuses an invalid display name at connect time', async () => {
    const { open } = await chat({ maxNameLength: 4 });
    const client = await open();
    expect(await client.command('connect', { data: { name: 'Adalovelace' } })).toMatchObject({
      error: { code: ERROR_CODES.BAD_REQUEST, message: 'display name is longer than 4 characters' },
    });
    expect((await client.closed).code).toBe(3505);
  });

  it('rate limits a user with 111 (temporary) and lets them send again later', async () => {
    let now = 0;
    const { as, relais } = await chat({ rateLimitBurst: 2, rateLimitPerSecond: 1, now: () => now });
    const ada = await as('Ada');
    const send = (text: string) => ada.command('publish', { channel: 'chat:lobby', data: { text } });
    expect(await send('1')).toMatchObject({ result: { offset: 1 } });
    expect(await send('2')).toMatchObject({ result: { offset: 2 } });
    expect(await send('3')).toMatchObject({
      error: { code: ERROR_CODES.TOO_MANY_REQUESTS, message: 'too many messages: wait 1 s before sending again', temporary: true },
    });
    // Another user has their own bucket.
    const bob = await as('Bob');
    expect(await bob.call('publish', { channel: 'chat:lobby', data: { text: 'hi' } })).toMatchObject({ offset: 3 });
    now += 1000;
    expect(await send('4')).toMatchObject({ result: { offset: 4 } });
    expect(relais.stats().errors['111']).toBe(1);
  });

  it('keeps messages in the room history, with positions, for a tab that joins later', async () => {
    const { as } = await chat({ historySize: 2 });
    const ada = await as('Ada');
    for (const text of ['one', 'two', 'three']) await ada.call('publish', { channel: 'chat:lobby', data: { text } });
    const bob = await as('Bob');
    await bob.call('subscribe', { channel: 'chat:lobby' });
    const history = await bob.call<{ publications: { data: { text: string }; offset: number }[]; offset: number }>('history', {
      channel: 'chat:lobby',
      limit: 10,
    });
    expect(history.publications.map((p) => [p.offset, p.data.text])).toEqual([
      [2, 'two'],
      [3, 'three'],
    ]);
    expect(history.offset).toBe(3);
  });

  it('tracks who is in a room, with their display names, and pushes joins', async () => {
    const { as } = await chat();
    const [ada, bob] = await Promise.all([as('Ada'), as('Bob')]);
    await ada.call('subscribe', { channel: 'chat:lobby', joinLeave: true });
    await bob.call('subscribe', { channel: 'chat:lobby' });
    expect(await ada.nextPush((push) => push.type === 'join')).toMatchObject({ info: { client: bob.id, info: { name: 'Bob' } } });
    const { clients } = await ada.call<{ clients: Record<string, { info: { name: string } }> }>('presence', { channel: 'chat:lobby' });
    expect(
      Object.values(clients)
        .map((entry) => entry.info.name)
        .sort(),
    ).toEqual(['Ada', 'Bob']);
  });

  it('fans a typing event out live as { author }, never into history, outside the message rate limit', async () => {
    const { as } = await chat({ rateLimitBurst: 1, rateLimitPerSecond: 0.001 });
    const [ada, bob] = await Promise.all([as('Ada'), as('Bob')]);
    await bob.call('subscribe', { channel: 'chat:lobby' });
    await ada.call('publish', { channel: 'chat:lobby', data: { text: 'the only message Ada may send' } });
    expect(await ada.call('publish', { channel: 'chat:lobby', event: TYPING_EVENT, ephemeral: true, data: {} })).toEqual({});
    const typing = await bob.nextPush((push) => isPublication(push) && push.event === TYPING_EVENT);
    expect(typing).toMatchObject({ data: { author: 'Ada' }, info: { client: ada.id } });
    expect(typing).not.toHaveProperty('offset');
    const history = await bob.call<{ publications: { event?: string }[] }>('history', { channel: 'chat:lobby', limit: 10 });
    expect(history.publications.map((p) => p.event)).toEqual([undefined]);
  });

  it.each([
    ['not ephemeral', { event: TYPING_EVENT, data: {} }, 'typing events must be ephemeral'],
    ['carrying data', { event: TYPING_EVENT, ephemeral: true, data: { author: 'Mallory' } }, 'a typing event carries {}'],
    ['an ephemeral message', { ephemeral: true, data: { text: 'hi' } }, 'chat messages must not be ephemeral'],
  ])('refuses a publish %s with 107', async (_what, params, message) => {
    const { as } = await chat();
    const ada = await as('Ada');
    expect(await ada.command('publish', { channel: 'chat:lobby', ...params })).toMatchObject({
      error: { code: ERROR_CODES.BAD_REQUEST, message },
    });
  });

  it('rate limits typing notifications on their own', async () => {
    let now = 0;
    const { as } = await chat({ now: () => now });
    const ada = await as('Ada');
    const typing = () => ada.command('publish', { channel: 'chat:lobby', event: TYPING_EVENT, ephemeral: true, data: {} });
    for (let i = 0; i < TYPING_RATE.burst; i++) expect(await typing()).toMatchObject({ result: {} });
    expect(await typing()).toMatchObject({
      error: { code: ERROR_CODES.TOO_MANY_REQUESTS, message: 'too many typing notifications', temporary: true },
    });
    now += 1000;
    expect(await typing()).toMatchObject({ result: {} });
    expect(await ada.call('publish', { channel: 'chat:lobby', data: { text: 'messages have their own budget' } })).toMatchObject({
      offset: 1,
    });
  });

  it('lists rooms, creates one, and announces the new list on the rooms channel', async () => {
    const { as } = await chat({ rooms: ['lobby'] });
    const [ada, bob] = await Promise.all([as('Ada'), as('Bob')]);
    await bob.call('subscribe', { channel: ROOMS_CHANNEL });
    expect(await ada.call('rpc', { method: ROOMS_RPC })).toEqual({ data: { rooms: ['lobby'] } });
    expect(await ada.call('rpc', { method: CREATE_ROOM_RPC, data: { name: ' Games ' } })).toEqual({
      data: { room: 'games', created: true },
    });
    expect(await bob.nextPush(isPublication)).toMatchObject({ channel: ROOMS_CHANNEL, data: { rooms: ['lobby', 'games'] } });
    expect(await ada.call('rpc', { method: CREATE_ROOM_RPC, data: { name: 'games' } })).toEqual({
      data: { room: 'games', created: false },
    });
    expect(await ada.command('rpc', { method: CREATE_ROOM_RPC, data: { name: 'no spaces' } })).toMatchObject({
      error: { code: ERROR_CODES.BAD_REQUEST },
    });
  });

  it('recreates a room someone subscribes to, and rejects bad room names there', async () => {
    const { as } = await chat({ rooms: ['lobby'] });
    const ada = await as('Ada');
    await ada.call('subscribe', { channel: 'chat:after-restart' });
    expect(await ada.call('rpc', { method: ROOMS_RPC })).toEqual({ data: { rooms: ['lobby', 'after-restart'] } });
    expect(await ada.command('subscribe', { channel: 'chat:Bad Room' })).toMatchObject({ error: { code: ERROR_CODES.BAD_REQUEST } });
    expect(await ada.command('publish', { channel: 'chat:', data: { text: 'hi' } })).toMatchObject({
      error: { code: ERROR_CODES.BAD_REQUEST },
    });
  });

  it('holds at most maxRooms rooms', async () => {
    const { as } = await chat({ rooms: ['lobby'], maxRooms: 2 });
    const ada = await as('Ada');
    await ada.call('rpc', { method: CREATE_ROOM_RPC, data: { name: 'two' } });
    expect(await ada.command('rpc', { method: CREATE_ROOM_RPC, data: { name: 'three' } })).toMatchObject({
      error: { code: ERROR_CODES.LIMIT_EXCEEDED, message: 'this server holds at most 2 rooms' },
    });
    expect(await ada.command('subscribe', { channel: 'chat:three' })).toMatchObject({ error: { code: ERROR_CODES.LIMIT_EXCEEDED } });
  });

  it('lets only the server publish to demo channels', async () => {
    const { as } = await chat();
    const ada = await as('Ada');
    expect(await ada.command('publish', { channel: ROOMS_CHANNEL, data: { rooms: ['fake'] } })).toMatchObject({
      error: { code: ERROR_CODES.PERMISSION_DENIED },
    });
  });

  it('leaves other channels alone', async () => {
    const { as } = await chat();
    const anonymous = await as();
    expect(await anonymous.call('publish', { channel: 'news:today', data: 'anything' })).toEqual({});
  });
});

describe('resolveDemoOptions', () => {
  it('applies the defaults', () => {
    expect(resolveDemoOptions()).toMatchObject({
      rooms: ['lobby', 'random'],
      maxRooms: 100,
      maxMessageLength: 500,
      rateLimitBurst: 10,
      historySize: 100,
      historyTtlMs: 86_400_000,
    });
    expect(resolveDemoOptions({ historySize: 0 })).toMatchObject({ historySize: 0 });
  });

  it.each([
    [{ maxMessageLength: 0 }, 'option demo.maxMessageLength must be a positive integer, got 0'],
    [{ rateLimitPerSecond: -1 }, 'option demo.rateLimitPerSecond must be a positive number, got -1'],
    [{ rooms: ['Lobby'] }, 'option demo.rooms: "Lobby" is not a room name'],
    [{ rooms: ['a', 'b'], maxRooms: 1 }, 'option demo.rooms lists 2 rooms, more than demo.maxRooms (1)'],
    [{ colour: 'red' }, 'unknown option demo.colour'],
    [{ historySize: -1 }, 'option demo.historySize must be a non-negative integer, got -1'],
    [{ historySize: 1.5 }, 'option demo.historySize must be a non-negative integer, got 1.5'],
    [{ historyTtlMs: 0 }, 'option demo.historyTtlMs must be a positive integer, got 0'],
  ])('rejects %j', (options, message) => {
    expect(() => resolveDemoOptions(options as DemoOptions)).toThrow(OptionsError);
    expect(() => resolveDemoOptions(options as DemoOptions)).toThrow(message);
  });
});

/**
 * Replies bounded by the page size, through sessions over a FakeTransport: history and
 * recovering subscribes carry at most maxPageBytes of publications (what the connection already
 * queued included), say `more` when they were cut, and nothing closes the connection as slow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRelais, type Relais } from '../node.js';
import type { RelaisOptions } from '../options.js';
import { flushMicrotasks } from '../testkit/fake-transport.js';
import { connectSession, sendCommands, type OpenedSession } from '../testkit/sessions.js';
import { frameBytes } from '../transport.js';

const OPTIONS: RelaisOptions = {
  maxQueueBytes: 100_000,
  maxMessageBytes: 10_000,
  namespaces: {
    big: { historySize: 100, historyTtlMs: 60_000 },
    sealed: { historySize: 100, historyTtlMs: 60_000, historyAccess: 'nobody' },
  },
};
/** 5 kB of data: 20 of them are twice the page (50 kB by default: half of maxQueueBytes). */
const PAD = 'x'.repeat(5_000);

let relais: Relais;
afterEach(async () => relais?.close());

async function start(options: RelaisOptions = OPTIONS): Promise<OpenedSession> {
  relais = createRelais(options);
  return connectSession(relais);
}

async function publish(channel: string, count: number): Promise<string> {
  let epoch = '';
  for (let n = 1; n <= count; n++) epoch = (await relais.publish(channel, { n, pad: PAD })).epoch!;
  return epoch;
}

type Page = { publications: { data: { n: number }; offset: number }[]; offset: number; epoch: string; more?: true; recovered?: boolean };

async function call(opened: OpenedSession, id: number, method: string, params: unknown): Promise<Page> {
  sendCommands(opened.session, { id, method, params });
  await flushMicrotasks();
  const reply = opened.transport.reply(id);
  if (!reply || !('result' in reply)) throw new Error(`no result for ${id}: ${JSON.stringify(reply?.error)}`);
  return reply.result as Page;
}

const offsets = (page: Page): number[] => page.publications.map((pub) => pub.offset);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('history pages', () => {
  it('tells the client the page size in the connect result', async () => {
    const opened = await start();
    expect(opened.transport.reply(1)?.result).toMatchObject({ maxPageBytes: 50_000, maxMessageBytes: 10_000 });
  });

  it('cuts a history read at the page size and reads on from the last offset, each publication once', async () => {
    const opened = await start();
    const epoch = await publish('big:1', 20);
    await call(opened, 2, 'subscribe', { channel: 'big:1' });
    const first = await call(opened, 3, 'history', { channel: 'big:1' });
    expect(first).toMatchObject({ offset: 20, epoch, more: true });
    expect(offsets(first)).toEqual(range(1, 9));
    const second = await call(opened, 4, 'history', { channel: 'big:1', since: { offset: 9, epoch } });
    expect(offsets(second)).toEqual(range(10, 18));
    const last = await call(opened, 5, 'history', { channel: 'big:1', since: { offset: 18, epoch } });
    expect(offsets(last)).toEqual([19, 20]);
    expect(last.more).toBeUndefined();
    // No reply carried more than a page of publications.
    for (const frame of opened.transport.frames.slice(1)) expect(frameBytes(frame)).toBeLessThan(50_000 + 200);
    expect(opened.transport.closed).toBeUndefined();
  });

  it('says more only when the page cut the read before its limit', async () => {
    const opened = await start();
    await publish('big:1', 20);
    await call(opened, 2, 'subscribe', { channel: 'big:1' });
    expect(await call(opened, 3, 'history', { channel: 'big:1', limit: 5 })).not.toHaveProperty('more');
    const reverse = await call(opened, 4, 'history', { channel: 'big:1', limit: 15, reverse: true });
    expect(offsets(reverse)).toEqual(range(12, 20).reverse());
    expect(reverse.more).toBe(true);
  });

  it('counts what the connection already queued against the page, down to none while the queue is full', async () => {
    const opened = await start();
    await publish('big:1', 20);
    await call(opened, 2, 'subscribe', { channel: 'big:1' });
    opened.transport.bufferedBytes = 30_000;
    expect(offsets(await call(opened, 3, 'history', { channel: 'big:1' }))).toEqual(range(1, 3));
    opened.transport.bufferedBytes = 96_000;
    expect(await call(opened, 4, 'history', { channel: 'big:1' })).toMatchObject({ publications: [], more: true });
    expect(opened.transport.closed).toBeUndefined();
  });

  it('serves a read from a position to a connection holding the channel, whatever historyAccess says', async () => {
    const opened = await start();
    const epoch = await publish('sealed:1', 2);
    sendCommands(opened.session, { id: 2, method: 'history', params: { channel: 'sealed:1', since: { offset: 0, epoch } } });
    await call(opened, 3, 'subscribe', { channel: 'sealed:1' });
    sendCommands(opened.session, { id: 4, method: 'history', params: { channel: 'sealed:1' } });
    expect(offsets(await call(opened, 5, 'history', { channel: 'sealed:1', since: { offset: 0, epoch } }))).toEqual([1, 2]);
    await flushMicrotasks();
    expect(opened.transport.reply(2)?.error).toMatchObject({ code: 103 });
    expect(opened.transport.reply(4)?.error).toMatchObject({ code: 103 });
  });
});

describe('recovery pages', () => {
  it('gives a client that pages the first page, more, and live publications after the top', async () => {
    const opened = await start();
    const epoch = await publish('big:1', 20);
    const result = await call(opened, 2, 'subscribe', { channel: 'big:1', since: { offset: 2, epoch }, paged: true });
    expect(result).toMatchObject({ recoverable: true, offset: 20, epoch, recovered: true, more: true });
    expect(offsets(result)).toEqual(range(3, 11));
    await relais.publish('big:1', 'live');
    await flushMicrotasks();
    expect(opened.transport.pushes('publication')).toMatchObject([{ data: 'live', offset: 21 }]);
    expect(offsets(await call(opened, 3, 'history', { channel: 'big:1', since: { offset: 11, epoch }, limit: 9 }))).toEqual(range(12, 20));
  });

  it('answers recovered:false, never an oversized reply, to a client that does not page', async () => {
    const opened = await start();
    const epoch = await publish('big:1', 20);
    const result = await call(opened, 2, 'subscribe', { channel: 'big:1', since: { offset: 2, epoch } });
    expect(result).toEqual({ recoverable: true, offset: 20, epoch, recovered: false });
    expect(opened.transport.closed).toBeUndefined();
    // A recovery that fits is still answered whole.
    const other = await connectSession(relais);
    expect(offsets(await call(other, 2, 'subscribe', { channel: 'big:1', since: { offset: 17, epoch } }))).toEqual([18, 19, 20]);
  });

  it('keeps recovering subscribes answered together within one page', async () => {
    const opened = await start();
    const channels = ['big:a', 'big:b', 'big:c', 'big:d'];
    const epochs = await Promise.all(channels.map((channel) => publish(channel, 6)));
    sendCommands(
      opened.session,
      ...channels.map((channel, i) => ({
        id: i + 2,
        method: 'subscribe',
        params: { channel, since: { offset: 0, epoch: epochs[i] }, paged: true },
      })),
    );
    await flushMicrotasks();
    const results = channels.map((_, i) => opened.transport.reply(i + 2)?.result as Page);
    expect(results.every((result) => result.recovered === true)).toBe(true);
    const carried = results.reduce((sum, result) => sum + result.publications.length, 0);
    expect(carried).toBe(9); // 24 missed, one page's worth sent: the rest is for history
    expect(results.filter((result) => result.more)).toHaveLength(results.filter((result) => result.publications.length < 6).length);
    expect(opened.transport.frames.slice(1).reduce((sum, frame) => sum + frameBytes(frame), 0)).toBeLessThan(50_000 + 4 * 200);
    expect(opened.transport.closed).toBeUndefined();
  });
});

describe('replies larger than the queue', () => {
  it('answers 106 instead of closing the connection as slow, every time', async () => {
    const opened = await start();
    relais.rpc('huge', () => 'y'.repeat(200_000));
    sendCommands(opened.session, { id: 2, method: 'rpc', params: { method: 'huge' } });
    await flushMicrotasks();
    expect(opened.transport.reply(2)?.error).toMatchObject({ code: 106 });
    expect(opened.transport.closed).toBeUndefined();
  });

  it('refuses with 106 a presence list that does not fit in the queue: temporary while it would fit in an empty one', async () => {
    const opened = await start({ ...OPTIONS, namespaces: { room: { presence: true } } });
    relais.onConnecting(() => ({ info: 'i'.repeat(40_000) }));
    const sessions = [opened, ...(await Promise.all([1, 2, 3].map(() => connectSession(relais))))];
    const presence = async (id: number): Promise<Record<string, unknown>> => {
      sendCommands(opened.session, { id, method: 'presence', params: { channel: 'room:1' } });
      await flushMicrotasks();
      return opened.transport.reply(id)!;
    };
    // The first session connected before the hook: its entry is small. Three entries: ~80 kB.
    for (const { session } of sessions.slice(0, 3)) sendCommands(session, { id: 2, method: 'subscribe', params: { channel: 'room:1' } });
    await flushMicrotasks();
    opened.transport.bufferedBytes = 50_000;
    expect((await presence(3)).error).toMatchObject({ code: 106, temporary: true });
    opened.transport.bufferedBytes = 0;
    expect(Object.keys((await presence(4)).result as object)).toEqual(['clients']);
    sendCommands(sessions[3]!.session, { id: 2, method: 'subscribe', params: { channel: 'room:1' } });
    await flushMicrotasks();
    expect((await presence(5)).error).toMatchObject({ code: 106, temporary: false });
    expect(opened.transport.closed).toBeUndefined();
  });

  it('refuses with 106 a history page whose first publication is larger than the queue', async () => {
    const opened = await start();
    await relais.publish('big:1', 'z'.repeat(150_000));
    await call(opened, 2, 'subscribe', { channel: 'big:1' });
    sendCommands(opened.session, { id: 3, method: 'history', params: { channel: 'big:1' } });
    await flushMicrotasks();
    expect(opened.transport.reply(3)?.error).toMatchObject({ code: 106 });
    expect(opened.transport.closed).toBeUndefined();
  });

  it('sends alone a server publication larger than the page when the queue is empty', async () => {
    const opened = await start();
    const { epoch } = await relais.publish('big:1', 'z'.repeat(80_000));
    await relais.publish('big:1', 'small');
    const result = await call(opened, 2, 'subscribe', { channel: 'big:1', since: { offset: 0, epoch: epoch! }, paged: true });
    expect(offsets(result)).toEqual([1]);
    expect(result.more).toBe(true);
  });
});

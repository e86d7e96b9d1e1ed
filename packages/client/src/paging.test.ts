/**
 * Recovery and history over a server that pages its replies (SubscribeResult.more,
 * HistoryResult.more), against the FakeServer with fake timers: every missed publication once,
 * in order, before the live ones; a gap ends in `recovered: false`; never a loop.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Command, HistoryParams, HistoryResult, PublicationData, SubscribeParams, SubscribeResult } from '@relais/protocol';
import type { Client } from './client.js';
import type { ClientOptions } from './options.js';
import type { Publication, Subscription, SubscriptionStateChange } from './subscription.js';
import type { FakeServer } from './testing/fake-server.js';
import { fakeClient, recorder } from './testing/helpers.js';
import { useFakeServer } from './testing/use-fake-server.js';

const CHANNEL = 'room:1';

/** One channel's stream as a paging server keeps it: pages of `pageSize` publications. */
class PagedStream {
  epoch = 'e1';
  /** Offsets below this one were trimmed. */
  oldest = 1;
  top = 0;
  pageSize = 3;
  /** Answers the next history reads with these results instead (then pages again). */
  readonly overrides: HistoryResult[] = [];

  constructor(server: FakeServer) {
    server.onCommand((command, connection) => {
      if (command.method === 'subscribe') {
        server.defaultOutcome(command, connection);
        return { result: this.subscribe(command.params) };
      }
      if (command.method === 'history') return { result: this.overrides.shift() ?? this.history(command.params) };
      return undefined;
    });
  }

  publish(count: number): void {
    this.top += count;
  }

  pub(offset: number): PublicationData {
    return { data: `m${offset}`, offset };
  }

  subscribe(params: SubscribeParams): SubscribeResult {
    const result: SubscribeResult = { recoverable: true, offset: this.top, epoch: this.epoch };
    const since = params.since;
    if (!since) return result;
    if (since.epoch !== this.epoch || since.offset + 1 < this.oldest) return { ...result, recovered: false };
    const missed = this.after(since.offset, this.top - since.offset);
    if (missed.length <= this.pageSize) return { ...result, recovered: true, publications: missed };
    if (!params.paged) return { ...result, recovered: false };
    return { ...result, recovered: true, publications: missed.slice(0, this.pageSize), more: true };
  }

  history(params: HistoryParams): HistoryResult {
    const result: HistoryResult = { publications: [], offset: this.top, epoch: this.epoch };
    if (params.since && params.since.epoch !== this.epoch) return result;
    const from = Math.max(params.since?.offset ?? 0, this.oldest - 1);
    let all = this.after(from, this.top - from);
    if (params.reverse) all = all.reverse();
    if (params.limit !== undefined) all = all.slice(0, params.limit);
    if (all.length <= this.pageSize) return { ...result, publications: all };
    return { ...result, publications: all.slice(0, this.pageSize), more: true };
  }

  after(offset: number, count: number): PublicationData[] {
    return Array.from({ length: Math.max(0, count) }, (_, i) => this.pub(offset + 1 + i));
  }
}

function historyCommands(server: FakeServer): HistoryParams[] {
  return server.commands('history').map((command: Extract<Command, { method: 'history' }>) => command.params);
}

describe('paged recovery', () => {
  const fake = useFakeServer();

  /** A subscriber at offset 2 whose connection dropped while `missed` publications were made. */
  async function offline(missed: number, options: { pages?: boolean; client?: ClientOptions } = {}) {
    const stream = new PagedStream(fake.server);
    if (options.pages !== false) fake.server.connectResult = { ...fake.server.connectResult, maxPageBytes: 524_288 };
    const client = fakeClient(fake.server, { random: () => 0, ...options.client });
    const sub = client.subscribe<string>(CHANNEL);
    const received = recorder<Publication<string>>();
    const states = recorder<SubscriptionStateChange>();
    sub.on('publication', received);
    sub.on('state', states);
    stream.publish(2);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.sendPush({ type: 'publication', channel: CHANNEL, data: 'm3', offset: 3, epoch: 'e1' });
    stream.publish(1);
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(1006);
    await vi.advanceTimersByTimeAsync(0);
    stream.publish(missed);
    return { stream, client, sub, received, states, data: () => received.values.map((pub) => pub.data) };
  }

  const upTo = (last: number, first = 3): string[] => Array.from({ length: last - first + 1 }, (_, i) => `m${first + i}`);

  it('reads the pages after the reply and delivers each missed publication once, before the live ones', async () => {
    const { sub, states, data } = await offline(8); // top 11: 4..11 missed, pages of 3
    // A live publication right behind the reply, as a server sends the held ones.
    fake.server.onCommand((command, connection) => {
      if (command.method === 'subscribe' && command.params.since) {
        queueMicrotask(() => connection.push({ type: 'publication', channel: CHANNEL, data: 'm12', offset: 12, epoch: 'e1' }));
      }
      return undefined;
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('subscribe')[1]!.params).toEqual({ channel: CHANNEL, since: { offset: 3, epoch: 'e1' }, paged: true });
    expect(historyCommands(fake.server)).toEqual([
      { channel: CHANNEL, since: { offset: 6, epoch: 'e1' }, limit: 5 },
      { channel: CHANNEL, since: { offset: 9, epoch: 'e1' }, limit: 2 },
    ]);
    expect(data()).toEqual(upTo(12));
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', previous: 'subscribing', recovered: true });
    expect(sub.position).toEqual({ offset: 12, epoch: 'e1' });
  });

  it('holds at most maxHeldPublications live ones during a slow paged recovery, reads the rest from history, each once, in order', async () => {
    const { stream, client, states, data } = await offline(400, { client: { maxHeldPublications: 10 } }); // top 403: 4..403 missed
    stream.pageSize = 40;
    // A slow server: each history page is answered only after 25 more live publications were pushed.
    const answers: (() => void)[] = [];
    fake.server.onCommand((command, connection) => {
      if (command.method !== 'history') return undefined;
      const result = stream.history(command.params);
      answers.push(() => connection.reply(command.id, { result }));
      return 'noreply';
    });
    await vi.advanceTimersByTimeAsync(500); // the reply (4..43) and the first page asked for
    let most = 0;
    // 25 a page for 8 pages (more than the bound: the pages chase the live stream), then 5.
    for (let round = 0; answers.length > 0 && round < 100; round++) {
      for (let i = 0; i < (round < 8 ? 25 : 5); i++) {
        stream.publish(1);
        fake.server.sendPush({ type: 'publication', channel: CHANNEL, data: `m${stream.top}`, offset: stream.top, epoch: 'e1' });
        await vi.advanceTimersByTimeAsync(0);
        most = Math.max(most, client.stats().heldPublications);
      }
      answers.shift()!();
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(most).toBe(10);
    expect(answers).toEqual([]);
    expect(stream.top).toBeGreaterThan(600);
    expect(client.stats().heldPublications).toBe(0);
    // The pages went on past the reply's offset, to the live publications let go of.
    const last = historyCommands(fake.server).at(-1)!;
    expect(last.since!.offset).toBeGreaterThan(403);
    expect(data()).toEqual(upTo(stream.top));
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', previous: 'subscribing', recovered: true });
    // Live again: the next one is delivered at once.
    fake.server.sendPush({ type: 'publication', channel: CHANNEL, data: `m${stream.top + 1}`, offset: stream.top + 1, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(data()).toEqual(upTo(stream.top + 1));
  });

  it('says subscribed only once every page came, and keeps the publications of a page it delivered', async () => {
    const { states, data } = await offline(8);
    fake.server.onCommand((command) => (command.method === 'history' ? 'noreply' : undefined));
    await vi.advanceTimersByTimeAsync(500);
    expect(data()).toEqual(upTo(6));
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribing' });
  });

  it('recovers from the last publication delivered when the connection drops during the pages', async () => {
    const { stream, states, data } = await offline(8);
    const hold = fake.server.onCommand((command) => (command.method === 'history' ? 'noreply' : undefined));
    await vi.advanceTimersByTimeAsync(500);
    fake.server.closeConnection(1006);
    hold();
    stream.publish(1); // 12, made while away
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('subscribe').at(-1)!.params.since).toEqual({ offset: 6, epoch: 'e1' });
    expect(data()).toEqual(upTo(12));
    expect(states.values.filter((s) => s.state === 'subscribed').map((s) => s.recovered)).toEqual([undefined, true]);
  });

  it('ends in recovered:false when a page shows the history was trimmed meanwhile, then goes on live', async () => {
    const { stream, sub, states, data } = await offline(8);
    // 7 and 8 are trimmed between the reply and the first page.
    fake.server.onCommand((command) => {
      if (command.method === 'history') stream.oldest = 9;
      return undefined;
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(data()).toEqual(upTo(6));
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: false });
    expect(sub.position).toEqual({ offset: 11, epoch: 'e1' });
    fake.server.sendPush({ type: 'publication', channel: CHANNEL, data: 'm12', offset: 12, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(data()).toEqual([...upTo(6), 'm12']);
  });

  it('ends in recovered:false when a page is of another epoch', async () => {
    const { stream, states } = await offline(8);
    stream.overrides.push({ publications: [], offset: 0, epoch: 'e2' });
    await vi.advanceTimersByTimeAsync(500);
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: false });
    expect(historyCommands(fake.server)).toHaveLength(1);
  });

  it('asks again after a backoff delay for a page that came back empty with more, not at once', async () => {
    const { stream, states, data } = await offline(8);
    stream.overrides.push({ publications: [], offset: 11, epoch: 'e1', more: true });
    await vi.advanceTimersByTimeAsync(500);
    expect(historyCommands(fake.server)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(historyCommands(fake.server)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(data()).toEqual(upTo(11));
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: true });
  });

  it('reports a failed page read as an error and recovered:false, without reconnecting', async () => {
    const { client, sub, states } = await offline(8);
    const errors = recorder<unknown>();
    sub.on('error', errors);
    fake.server.onCommand((command) =>
      command.method === 'history'
        ? { error: { code: 106, message: "publication 7 is larger than this connection's queue", temporary: false } }
        : undefined,
    );
    await vi.advanceTimersByTimeAsync(500);
    expect(errors.values).toMatchObject([{ serverCode: 106 }]);
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: false });
    expect(client.stats().reconnects).toBe(1);
  });

  it('stops reading pages when unsubscribed meanwhile', async () => {
    const { sub, data } = await offline(8);
    sub.on('publication', (pub) => {
      if (pub.data === 'm5') sub.unsubscribe();
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(data()).toEqual(upTo(5));
    expect(historyCommands(fake.server)).toEqual([]);
    expect(sub.state).toBe('unsubscribed');
  });

  it('does not ask to page a server that does not say it pages', async () => {
    const { states } = await offline(8, { pages: false });
    await vi.advanceTimersByTimeAsync(500);
    expect(fake.server.commands('subscribe')[1]!.params).not.toHaveProperty('paged');
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', recovered: false });
  });
});

describe('paged history reads', () => {
  const fake = useFakeServer();

  async function subscribed(): Promise<{ stream: PagedStream; client: Client; sub: Subscription<string> }> {
    const stream = new PagedStream(fake.server);
    stream.publish(10);
    const client = fakeClient(fake.server, { random: () => 0 });
    const sub = client.subscribe<string>(CHANNEL);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    return { stream, client, sub };
  }

  const offsets = (pubs: readonly Publication[]): (number | undefined)[] => pubs.map((pub) => pub.offset);
  const range = (from: number, to: number): number[] =>
    Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => (from <= to ? from + i : from - i));

  it('assembles a forward read, with or without a limit or a since, as one reply would have been', async () => {
    const { stream, sub } = await subscribed();
    stream.oldest = 2;
    expect(await sub.history()).toEqual({
      publications: range(2, 10).map((o) => ({ ...stream.pub(o), channel: CHANNEL })),
      offset: 10,
      epoch: 'e1',
    });
    expect(offsets((await sub.history({ limit: 7 })).publications)).toEqual(range(2, 8));
    expect(offsets((await sub.history({ since: { offset: 5, epoch: 'e1' }, limit: 4 })).publications)).toEqual(range(6, 9));
    expect(historyCommands(fake.server).slice(0, 3)).toEqual([
      { channel: CHANNEL },
      { channel: CHANNEL, since: { offset: 4, epoch: 'e1' } },
      { channel: CHANNEL, since: { offset: 7, epoch: 'e1' } },
    ]);
  });

  it('assembles a reverse read from forward reads below the first page, newest first', async () => {
    const { stream, sub } = await subscribed();
    expect(offsets((await sub.history({ reverse: true })).publications)).toEqual(range(10, 1));
    expect(offsets((await sub.history({ reverse: true, limit: 8 })).publications)).toEqual(range(10, 3));
    expect(offsets((await sub.history({ reverse: true, since: { offset: 3, epoch: 'e1' } })).publications)).toEqual(range(10, 4));
    stream.oldest = 6;
    expect(offsets((await sub.history({ reverse: true })).publications)).toEqual(range(10, 6));
  });

  it('starts over when the epoch changes between pages', async () => {
    const { stream, sub } = await subscribed();
    stream.overrides.push({ publications: [stream.pub(1), stream.pub(2), stream.pub(3)], offset: 10, epoch: 'e0', more: true });
    const page = await sub.history();
    expect(page.epoch).toBe('e1');
    expect(offsets(page.publications)).toEqual(range(1, 10));
  });

  it('reads a single reply as it is from a server that does not page', async () => {
    const { stream, sub } = await subscribed();
    stream.pageSize = 100;
    expect(offsets((await sub.history({ reverse: true, limit: 4 })).publications)).toEqual(range(10, 7));
    expect(historyCommands(fake.server)).toHaveLength(1);
  });
});

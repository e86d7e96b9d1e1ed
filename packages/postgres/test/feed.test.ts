import { describe, expect, it } from 'vitest';
import { PostgresFeed, PostgresFeedError, type ChangeSink, type PostgresFeedOptions, type RowChange } from '../src/index.js';
import { DATABASE_URL, usePostgres, type Names } from './pg-helpers.js';

const pg = usePostgres();

/** A feed on a fresh table `(id int primary key, title text)`, running until the test ends. */
async function runFeed(sink: ChangeSink, options: Partial<PostgresFeedOptions> = {}): Promise<Names & { feed: PostgresFeed }> {
  const names = pg.names();
  await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text)`);
  const feed = new PostgresFeed(
    { url: DATABASE_URL, tables: [names.table], slot: names.slot, publication: names.publication, ...options },
    sink,
  );
  await feed.prepare();
  const abort = new AbortController();
  const live = new Promise<void>((resolve) => feed.onState((state) => state === 'live' && resolve()));
  const running = feed.run(abort.signal);
  pg.onCleanup(async () => {
    abort.abort();
    await running;
  });
  await live;
  return { ...names, feed };
}

/** A sink that records changes and resolves `until(n)` once n arrived. */
function recorder(onChange: (change: RowChange, count: number) => Promise<void> | void = () => {}) {
  const changes: RowChange[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const sink: ChangeSink = {
    async change(change) {
      await onChange(change, changes.length);
      changes.push(change);
      for (const w of waiters.filter((w) => changes.length >= w.n)) w.resolve();
    },
    async message() {},
  };
  const until = (n: number) => new Promise<void>((resolve) => (changes.length >= n ? resolve() : waiters.push({ n, resolve })));
  return { sink, changes, until };
}

describe('PostgresFeed', () => {
  it('hands a transaction that failed half way over again without the changes already taken', async () => {
    let failed = false;
    const { sink, changes, until } = recorder((_change, count) => {
      if (count === 4 && !failed) {
        failed = true;
        throw new Error('engine unreachable');
      }
    });
    const { table } = await runFeed(sink, { reconnectDelayMs: 1, random: () => 0 });
    await pg.sql(`INSERT INTO "${table}" (id) SELECT g FROM generate_series(1, 10) g`);
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (11)`);
    await until(11);
    expect(failed).toBe(true);
    expect(changes.map((c) => c.new!.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(changes.slice(0, 10).map((c) => c.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(changes.slice(0, 10).map((c) => c.lsn)).size).toBe(1);
  });

  it('loses and doubles nothing when its connection is cut under writes', async () => {
    const { sink, changes, until } = recorder();
    const states: string[] = [];
    const { table, slot, feed } = await runFeed(sink, { reconnectDelayMs: 20, random: () => 0.5 });
    feed.onState((state) => states.push(state));
    const writer = await pg.connect();
    await writer.query('SET synchronous_commit = off');
    const total = 600;
    const writing = (async () => {
      for (let id = 1; id <= total; id++) await writer.query(`INSERT INTO "${table}" (id) VALUES ($1)`, [id]);
    })();
    await until(100);
    // The server ends the walsender: the feed reconnects and resumes from what it confirmed.
    await pg.sql('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      slot,
    ]);
    await writing;
    await until(total);
    const ids = changes.map((c) => c.new!.id as number);
    expect(states).toContain('reconnecting');
    expect(feed.state).toBe('live');
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  it('reads a huge transaction with a bounded number of frames buffered', async () => {
    const holder: { feed?: PostgresFeed } = {};
    let maxQueued = 0;
    const { sink, changes, until } = recorder(async () => {
      maxQueued = Math.max(maxQueued, holder.feed?.queued ?? 0);
      // A sink slower than the socket, as a remote engine is.
      await new Promise<void>((resolve) => setImmediate(resolve));
    });
    const running = await runFeed(sink, { maxQueuedMessages: 200 });
    holder.feed = running.feed;
    await pg.sql(`INSERT INTO "${running.table}" (id, title) SELECT g, repeat('x', 20) FROM generate_series(1, 20000) g`);
    await until(20_000);
    expect(changes.map((c) => c.new!.id)).toEqual(Array.from({ length: 20_000 }, (_, i) => i + 1));
    // 200 frames plus what one socket read had already parsed: far from the 20,000 of the transaction.
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThan(2_500);
  });

  it('confirms what it handled: the slot position moves past it', async () => {
    const { sink, until } = recorder();
    const { table, slot } = await runFeed(sink);
    const [{ before } = { before: '' }] = await pg.sql<{ before: string }>(
      'SELECT confirmed_flush_lsn::text AS before FROM pg_replication_slots WHERE slot_name = $1',
      [slot],
    );
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (1)`);
    await until(1);
    // The confirmation goes out right after the commit was handled; the server records it on receipt.
    for (;;) {
      const [{ after } = { after: '' }] = await pg.sql<{ after: string }>(
        'SELECT confirmed_flush_lsn::text AS after FROM pg_replication_slots WHERE slot_name = $1',
        [slot],
      );
      if (after !== before) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  });

  it('refuses a missing slot or publication without createIfMissing, saying how to fix it', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY)`);
    const sink = recorder().sink;
    const feed = new PostgresFeed(
      { url: DATABASE_URL, tables: [names.table], slot: names.slot, publication: names.publication, createIfMissing: false },
      sink,
    );
    await expect(feed.prepare()).rejects.toThrow(
      new PostgresFeedError(`publication ${names.publication} does not exist (set createIfMissing to create it)`),
    );
    await pg.sql(`CREATE PUBLICATION "${names.publication}" FOR TABLE "${names.table}"`);
    await expect(feed.prepare()).rejects.toThrow(/replication slot relais_s_\w+ does not exist/);
    const missing = new PostgresFeed(
      { url: DATABASE_URL, tables: ['public.nope'], slot: names.slot, publication: names.publication },
      sink,
    );
    await expect(missing.prepare()).rejects.toThrow('table public.nope does not exist');
  });
});

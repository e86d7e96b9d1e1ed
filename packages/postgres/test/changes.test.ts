import type { PublicationPush, Push } from '@relais/protocol';
import type { RelaisOptions } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import { PostgresChanges, type PostgresChangesOptions, type RowChange } from '../src/index.js';
import { DATABASE_URL, usePostgres } from './pg-helpers.js';

const start = useTestNodes();
const pg = usePostgres();

const NODE: RelaisOptions = {
  namespaces: {
    pg: { publishAccess: 'nobody', historySize: 10_000, historyTtlMs: 600_000 },
    chat: { historySize: 100, historyTtlMs: 600_000 },
  },
};

/** A node with the feed on a fresh table `(id int primary key, title text, done bool, n bigint)`. */
async function setup(options: Partial<PostgresChangesOptions> = {}, ddl = '') {
  const names = pg.names();
  await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text, done boolean DEFAULT false, n bigint)`);
  if (ddl) await pg.sql(ddl.replaceAll('$T', `"${names.table}"`));
  const node = await start(NODE);
  const changes = new PostgresChanges(node.relais, {
    url: DATABASE_URL,
    tables: [names.table],
    slot: names.slot,
    publication: names.publication,
    registryTable: names.registry,
    ...options,
  });
  pg.onCleanup(() => changes.close());
  await changes.start();
  return { ...names, node, changes, channel: `pg:public.${names.table}` };
}

const isPub = (channel: string) => (push: Push) => push.type === 'publication' && push.channel === channel;
const dataOf = (push: Push) => (push as PublicationPush).data as RowChange;

describe('PostgresChanges', () => {
  it('streams INSERT, UPDATE and DELETE of a table to a subscriber, typed', async () => {
    const { node, table, channel } = await setup({}, 'ALTER TABLE $T REPLICA IDENTITY FULL');
    const client = await node.connect();
    await client.call('subscribe', { channel });
    await pg.sql(`INSERT INTO "${table}" VALUES (1, 'one', false, 9007199254740993)`);
    await pg.sql(`UPDATE "${table}" SET done = true WHERE id = 1`);
    await pg.sql(`DELETE FROM "${table}" WHERE id = 1`);
    const inserted = dataOf(await client.nextPush(isPub(channel)));
    expect(inserted).toMatchObject({
      schema: 'public',
      table,
      event: 'INSERT',
      new: { id: 1, title: 'one', done: false, n: '9007199254740993' },
      seq: 0,
    });
    expect(inserted.lsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(inserted.commitTimestamp).toMatch(/Z$/);
    expect(dataOf(await client.nextPush(isPub(channel)))).toMatchObject({ event: 'UPDATE', new: { done: true }, old: { done: false } });
    expect(dataOf(await client.nextPush(isPub(channel)))).toMatchObject({ event: 'DELETE', old: { id: 1, title: 'one', done: true } });
  });

  it('delivers to each channel only the rows and events its filter matches', async () => {
    const { node, table, channel } = await setup();
    const [all, inserts, open, some] = await Promise.all([node.connect(), node.connect(), node.connect(), node.connect()]);
    await all.call('subscribe', { channel });
    await inserts.call('subscribe', { channel: `${channel}:INSERT` });
    await open.call('subscribe', { channel: `${channel}:*:done=eq.false` });
    await some.call('subscribe', { channel: `${channel}:*:id=in.(2,3)` });
    await pg.sql(`INSERT INTO "${table}" (id, title) SELECT g, 't' || g FROM generate_series(1, 3) g`);
    await pg.sql(`UPDATE "${table}" SET done = true WHERE id = 1`);
    await pg.sql(`UPDATE "${table}" SET done = true WHERE id = 3`);
    // The last change reaches every channel it matches in commit order, so it closes each tally.
    await pg.sql(`INSERT INTO "${table}" (id, title) VALUES (2000, 'end')`);
    const collect = async (client: typeof all, name: string, until: (c: RowChange) => boolean) => {
      const got: string[] = [];
      for (;;) {
        const change = dataOf(await client.nextPush(isPub(name)));
        got.push(`${change.event}:${String(change.new?.id)}`);
        if (until(change)) return got;
      }
    };
    const last = (c: RowChange) => c.new?.id === 2000;
    expect(await collect(all, channel, last)).toEqual(['INSERT:1', 'INSERT:2', 'INSERT:3', 'UPDATE:1', 'UPDATE:3', 'INSERT:2000']);
    expect(await collect(inserts, `${channel}:INSERT`, last)).toEqual(['INSERT:1', 'INSERT:2', 'INSERT:3', 'INSERT:2000']);
    expect(await collect(open, `${channel}:*:done=eq.false`, last)).toEqual(['INSERT:1', 'INSERT:2', 'INSERT:3', 'INSERT:2000']);
    await pg.sql(`UPDATE "${table}" SET title = 'x' WHERE id = 2`);
    expect(await collect(some, `${channel}:*:id=in.(2,3)`, (c) => c.event === 'UPDATE' && c.new?.id === 2)).toEqual([
      'INSERT:2',
      'INSERT:3',
      'UPDATE:3',
      'UPDATE:2',
    ]);
  });

  it('shares one channel, one evaluation and one publication among subscribers of the same filter', async () => {
    const { node, table, channel, changes } = await setup();
    const name = `${channel}:*:id=gt.0`;
    const clients = await Promise.all([node.connect(), node.connect(), node.connect()]);
    for (const client of clients) await client.call('subscribe', { channel: name });
    expect(changes.router.size).toBe(1);
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (1)`);
    for (const client of clients) expect(dataOf(await client.nextPush(isPub(name))).new).toMatchObject({ id: 1 });
    const { publications } = await node.relais.history(name);
    expect(publications).toHaveLength(1);
  });

  it('refuses bad subscriptions with a clear code and reason', async () => {
    const { node, channel } = await setup();
    const client = await node.connect();
    const refusal = async (name: string) => {
      const reply = await client.command('subscribe', { channel: name });
      return 'error' in reply ? reply.error : undefined;
    };
    expect(await refusal('pg:public.nope')).toMatchObject({
      code: 102,
      message: expect.stringContaining('table public.nope is not streamed'),
    });
    expect(await refusal(`${channel}:*:nope=eq.1`)).toMatchObject({ code: 107, message: expect.stringContaining('unknown column "nope"') });
    expect(await refusal(`${channel}:*:id=eq.one`)).toMatchObject({ code: 107, message: expect.stringContaining('"one" is not a number') });
    expect(await refusal(`${channel}:*:id=like.1`)).toMatchObject({ code: 107, message: expect.stringContaining('operator "like"') });
    expect(await refusal(`${channel}:*`)).toMatchObject({ code: 107, message: expect.stringContaining(`subscribe to ${channel}`) });
    expect(await refusal(`${channel}:DELETE:title=eq.x`)).toMatchObject({
      code: 107,
      message: expect.stringContaining('REPLICA IDENTITY FULL'),
    });
    expect(await refusal(`${channel}:oops`)).toMatchObject({ code: 107 });
  });

  it('resumes from the slot after a restart: what was written while it was down arrives, nothing twice', async () => {
    const first = await setup();
    const { node, table, channel } = first;
    const client = await node.connect();
    await client.call('subscribe', { channel });
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (1)`);
    await client.nextPush(isPub(channel));
    await first.changes.close();
    await pg.sql(`INSERT INTO "${table}" (id) SELECT g FROM generate_series(2, 50) g`);
    const { slot, publication, registry } = first;
    const second = new PostgresChanges(node.relais, { url: DATABASE_URL, tables: [table], slot, publication, registryTable: registry });
    pg.onCleanup(() => second.close());
    await second.start();
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (51)`);
    const ids: number[] = [];
    while (ids.length < 50) ids.push(dataOf(await client.nextPush(isPub(channel))).new!.id as number);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 2));
    const { publications } = await node.relais.history(channel);
    expect(publications.map((p) => (p.data as RowChange).new!.id)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
  });

  it('tells subscribers the feed status, and with a RESET change that the slot was lost, then streams from a new one', async () => {
    const { node, table, channel, changes, slot } = await setup({ reconnectDelayMs: 400, random: () => 1 });
    const client = await node.connect();
    await client.call('subscribe', { channel });
    const reconnecting = new Promise<void>((resolve) => changes.feed.onState((state) => state === 'reconnecting' && resolve()));
    await pg.sql('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      slot,
    ]);
    await reconnecting;
    // Dropped while the feed waits to reconnect (an inactive slot only can be dropped).
    for (;;) {
      const [row] = await pg.sql<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      if (row && !row.active) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await pg.sql('SELECT pg_drop_replication_slot($1)', [slot]);
    await new Promise<void>((resolve) =>
      changes.feed.state === 'live' ? resolve() : changes.feed.onState((s) => s === 'live' && resolve()),
    );
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (5)`);
    const seen: string[] = [];
    for (;;) {
      const change = dataOf(await client.nextPush(isPub(channel)));
      seen.push([change.event, change.status ?? change.reason ?? change.new?.id].join(' '));
      if (change.event === 'INSERT') break;
    }
    // Subscribers hear that the feed lost Postgres, that changes were lost, and that it is back.
    expect(seen).toEqual(['STATUS reconnecting', `RESET replication slot ${slot} lost`, 'STATUS live', 'INSERT 5']);
  });

  it('publishes nothing twice when a new feed resumes a transaction the stopped one had half published', async () => {
    const first = await setup();
    const { node, table, channel, slot, publication, registry } = first;
    const client = await node.connect();
    await client.call('subscribe', { channel });
    // An engine slower than the database, so that the transaction is still being published when the feed stops.
    const publish = node.relais.publish.bind(node.relais);
    node.relais.publish = async (...args) => {
      await new Promise((resolve) => setImmediate(resolve));
      return publish(...args);
    };
    const total = 3_000;
    // One transaction: the slot confirms it only once all of it was published.
    await pg.sql(`INSERT INTO "${table}" (id) SELECT g FROM generate_series(1, ${total}) g`);
    const ids: number[] = [];
    const next = async () => ids.push(dataOf(await client.nextPush(isPub(channel))).new!.id as number);
    while (ids.length < 500) await next();
    // Stopped half way (as a process would be): a new feed, with no memory of it, gets the
    // whole transaction again from the slot; the engine's idempotency keys drop what was published.
    await first.changes.close();
    const second = new PostgresChanges(node.relais, { url: DATABASE_URL, tables: [table], slot, publication, registryTable: registry });
    pg.onCleanup(() => second.close());
    await second.start();
    await pg.sql(`INSERT INTO "${table}" (id) VALUES (${total + 1})`);
    while (ids.at(-1) !== total + 1) await next();
    expect(ids).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    const { publications } = await node.relais.history(channel);
    expect(publications).toHaveLength(total + 1);
  });

  it('publishes a SQL message exactly when its transaction commits', async () => {
    const { node } = await setup();
    const client = await node.connect();
    await client.call('subscribe', { channel: 'chat:sql' });
    const db = await pg.connect();
    const emit = (data: unknown) =>
      db.query("SELECT pg_logical_emit_message(true, 'relais', $1)", [JSON.stringify({ channel: 'chat:sql', data })]);
    await db.query('BEGIN');
    await emit('rolled back');
    await db.query('ROLLBACK');
    await db.query('BEGIN');
    await emit('committed');
    await db.query('COMMIT');
    await emit('alone');
    expect((await client.nextPush(isPub('chat:sql'))) as PublicationPush).toMatchObject({ data: 'committed' });
    expect((await client.nextPush(isPub('chat:sql'))) as PublicationPush).toMatchObject({ data: 'alone' });
    expect((await node.relais.history('chat:sql')).publications.map((p) => p.data)).toEqual(['committed', 'alone']);
  });
});

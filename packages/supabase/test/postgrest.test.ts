import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PostgresChanges } from '@relais/postgres';
import { DATABASE_URL } from '../../postgres/test/pg-helpers.js';
import { feedPostgresChanges } from '../src/index.js';
import { NAMESPACES, sign, subscribed, useSupabaseNodes } from './harness.js';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});
const start = useSupabaseNodes();

/** A table and a slot of their own, dropped after the test. */
async function setUp(restInsert?: string[], hiddenColumns?: string[], rowFilter?: string) {
  const id = randomBytes(5).toString('hex');
  const table = `rest_${id}`;
  const slot = `relais_rest_${id}`;
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(
    `CREATE TABLE ${table} (id serial PRIMARY KEY, nom text NOT NULL, score int NOT NULL DEFAULT 0, owner text, secret text DEFAULT 'hidden', created_at timestamptz DEFAULT now())`,
  );
  const feed: { changes?: PostgresChanges } = {};
  cleanups.push(async () => {
    await feed.changes?.close();
    await db.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      slot,
    ]);
    await vi.waitFor(
      async () => {
        const { rows } = await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
        if (rows[0]) expect(rows[0].active).toBe(false);
      },
      { timeout: 5_000 },
    );
    await db.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    await db.query(`DROP TABLE ${table}`);
    await db.query(`ALTER PUBLICATION ${slot} OWNER TO CURRENT_USER`).catch(() => undefined);
    await db.query(`DROP PUBLICATION IF EXISTS ${slot}`);
    await db.end();
  });
  const node = await start(
    { namespaces: { ...NAMESPACES, pg: { publishAccess: 'nobody' } } },
    {
      postgresChanges: feedPostgresChanges({ channelFor: (spec) => feed.changes!.channelFor(spec) }),
      restTables: {
        table: (s, t) => feed.changes!.restTables().table(s, t),
        transaction: (work) => feed.changes!.restTables().transaction(work),
      },
      ...(restInsert && { restInsert: restInsert.map((name) => name.replace('$', table)) }),
      maxBodyBytes: 4096,
    },
  );
  const changes = new PostgresChanges(node.relais, {
    url: DATABASE_URL,
    slot,
    publication: slot,
    registryTable: `${table}_channels`,
    tables: [{ table, ...(hiddenColumns && { hiddenColumns }), ...(rowFilter && { rowFilter }) }],
  });
  feed.changes = changes;
  cleanups.push(async () => void (await db.query(`DROP TABLE IF EXISTS ${table}_channels`)));
  await changes.start();
  await db.query(`INSERT INTO ${table} (nom, score, owner) VALUES ('a', 3, 'u1'), ('b', 1, 'u2'), ('c', 2, 'u1')`);
  return { node, table, db };
}

describe('the PostgREST subset with supabase-js', () => {
  it('answers select, limit, order and eq, typed by the column, without hidden columns', async () => {
    const { node, table } = await setUp(undefined, ['secret']);
    const supabase = node.client();
    const first = await supabase.from(table).select('*').limit(1);
    expect(first.error).toBeNull();
    expect(first.data).toHaveLength(1);
    expect(Object.keys(first.data![0]!)).toEqual(['id', 'nom', 'score', 'owner', 'created_at']);
    const ordered = await supabase.from(table).select('nom, score').order('score', { ascending: false });
    expect(ordered.data).toEqual([
      { nom: 'a', score: 3 },
      { nom: 'c', score: 2 },
      { nom: 'b', score: 1 },
    ]);
    const filtered = await supabase.from(table).select('nom').eq('score', 2);
    expect(filtered.data).toEqual([{ nom: 'c' }]);
    const hidden = await supabase.from(table).select('secret');
    expect(hidden.error).toMatchObject({ code: '42703' });
    expect(hidden.status).toBe(400);
  });

  it('inserts one row and an array with representation, and the insert arrives as a postgres_changes event', async () => {
    const { node, table } = await setUp(['$']);
    const supabase = node.client();
    const events: unknown[] = [];
    const channel = supabase
      .channel('rest-changes')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table }, (payload) => events.push(payload.new));
    await subscribed(channel);
    const native = await node.native();
    await native.call('connect', { token: await sign({ sub: 'native-1', role: 'authenticated' }) });
    await native.call('subscribe', { channel: `pg:public.${table}:INSERT` });
    const nativeChange = native.nextPush(
      (push) => push.type === 'publication' && (push as { data?: { new?: { nom?: string } } }).data?.new?.nom === 'd',
    );
    const one = await supabase.from(table).insert({ nom: 'd', score: 7 }).select();
    expect(one.error).toBeNull();
    expect(one.status).toBe(201);
    expect(one.data).toMatchObject([{ nom: 'd', score: 7, owner: null, secret: 'hidden' }]);
    const many = await supabase
      .from(table)
      .insert([{ nom: 'e' }, { nom: 'f', score: 5 }])
      .select('nom, score');
    const both = await supabase
      .from(table)
      .insert([
        { nom: 'e', score: 1 },
        { nom: 'f', score: 5 },
      ])
      .select('nom, score');
    expect(both.error).toBeNull();
    expect(both.data).toEqual([
      { nom: 'e', score: 1 },
      { nom: 'f', score: 5 },
    ]);
    // supabase-js lists the union of the keys (?columns=): a missing one is null (score is NOT NULL).
    expect(many.status).toBe(400);
    expect(many.error).toMatchObject({ code: '23502' });
    const minimal = await supabase.from(table).insert([{ nom: 'g' }, { nom: 'h', score: 5 }], { defaultToNull: false });
    expect(minimal.error).toBeNull();
    expect(minimal.status).toBe(201);
    expect(minimal.data).toBeNull();
    await vi.waitFor(() =>
      expect(events).toEqual(
        expect.arrayContaining([expect.objectContaining({ nom: 'd', score: 7 }), expect.objectContaining({ nom: 'h' })]),
      ),
    );
    expect(await nativeChange).toMatchObject({ type: 'publication' });
    await supabase.removeAllChannels();
  });

  it('refuses what it does not serve, PostgREST-shaped', async () => {
    const { node, table } = await setUp();
    const supabase = node.client();
    const unknown = await supabase.from('no_such_table').select('*');
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: 'PGRST205' });
    const operator = await supabase.from(table).select('*').gt('score', 1);
    expect(operator.status).toBe(400);
    expect(operator.error).toMatchObject({ code: 'PGRST100' });
    const type = await supabase.from(table).select('*').eq('score', 'abc');
    expect(type.status).toBe(400);
    expect(type.error).toMatchObject({ code: '22P02' });
    const counted = await supabase.from(table).select('*', { count: 'exact' });
    expect(counted.status).toBe(400);
    expect(counted.error).toMatchObject({ code: 'PGRST100' });
    const single = await supabase.from(table).select('*').eq('id', 1).single();
    expect(single.status).toBe(406);
    expect(single.error).toMatchObject({ code: 'PGRST107' });
    const update = await supabase.from(table).update({ nom: 'y' }).eq('id', 1);
    expect(update.status).toBe(405);
    expect(update.error).toMatchObject({ code: 'PGRST117' });
    const insert = await supabase.from(table).insert({ nom: 'x' }).select();
    expect(insert.status).toBe(403);
    expect(insert.error).toMatchObject({ code: '42501' });
    const res = await fetch(`${node.base}/rest/v1/${table}`, {
      method: 'POST',
      headers: { apikey: await sign({ role: 'anon' }), 'content-type': 'application/json' },
      body: JSON.stringify({ nom: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PGRST102' });
    const noToken = await fetch(`${node.base}/rest/v1/${table}?select=*`, { headers: { apikey: 'not-a-token' } });
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toMatchObject({ code: 'PGRST301' });
  });

  it('binds the row rule to the claims on reads and checks it on inserts', async () => {
    const { node, table, db } = await setUp(['$'], undefined, 'owner=eq.{sub}');
    const supabase = node.client(await sign({ sub: 'u1', role: 'authenticated' }));
    const mine = await supabase.from(table).select('nom').order('nom');
    expect(mine.data).toEqual([{ nom: 'a' }, { nom: 'c' }]);
    const ok = await supabase.from(table).insert({ nom: 'm', owner: 'u1' }).select('nom');
    expect(ok.data).toEqual([{ nom: 'm' }]);
    const other = await supabase.from(table).insert({ nom: 'n', owner: 'u2' }).select('nom');
    expect(other.status).toBe(403);
    expect(other.error).toMatchObject({ code: '42501' });
    // The refused insert was rolled back.
    expect((await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE nom = 'n'`)).rows[0]).toEqual({ n: 0 });
    const anon = await node.client().from(table).select('nom');
    expect(anon.status).toBe(401);
  });
});

/**
 * The mood board's server half on a real node and the real PostgreSQL at DATABASE_URL: it
 * creates its table, inserts the moods the RPC receives (refusing bad ones), keeps the newest,
 * and the change feed streams them to a subscriber.
 */
import { randomBytes } from 'node:crypto';
import type { Push } from '@relais/protocol';
import { PostgresChanges } from '@relais/postgres';
import { useTestNodes } from '@relais/server/testkit';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MOODBOARD_ADD_RPC, MOODBOARD_INFO_RPC } from '../shared/protocol.js';
import { checkAddMood, installMoodboard, resolveMoodboardOptions } from './moodboard.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const start = useTestNodes();

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function database(): Promise<pg.Client> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  cleanup.push(() => db.end());
  return db;
}

/** Unique names; the table, slot, publication and registry are dropped after the test. */
async function names(db: pg.Client) {
  const id = randomBytes(5).toString('hex');
  const made = { table: `humeur_${id}`, slot: `relais_s_${id}`, publication: `relais_p_${id}`, registry: `relais_r_${id}` };
  cleanup.push(async () => {
    await db.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      made.slot,
    ]);
    // A terminated walsender releases its slot asynchronously: drop once it is inactive.
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [made.slot]);
      if (rows.length === 0) break;
      if (!rows[0]!.active) {
        await db.query('SELECT pg_drop_replication_slot($1)', [made.slot]);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await db.query(`DROP PUBLICATION IF EXISTS "${made.publication}"`);
    await db.query(`DROP TABLE IF EXISTS "${made.table}", "${made.registry}"`);
  });
  return made;
}

describe('the mood board options and input', () => {
  it('checks the options', () => {
    expect(resolveMoodboardOptions({})).toEqual({ table: 'humeur', keep: 200 });
    expect(resolveMoodboardOptions({ table: 'moods_2', keep: 5 })).toEqual({ table: 'moods_2', keep: 5 });
    expect(() => resolveMoodboardOptions({ table: 'Bad"name' })).toThrow('moodboard.table must be a lowercase SQL name');
    expect(() => resolveMoodboardOptions({ keep: 0 })).toThrow('moodboard.keep must be a positive integer, got 0');
    expect(() => resolveMoodboardOptions({ tabel: 'x' } as never)).toThrow('unknown moodboard option "tabel"');
  });

  it('accepts a known emoji and a trimmed author, and refuses anything else with a reason', () => {
    expect(checkAddMood({ emoji: '🚀', author: '  Ada ' })).toEqual({ emoji: '🚀', author: 'Ada' });
    expect(() => checkAddMood('🚀')).toThrow('a mood is an object { emoji, author }');
    expect(() => checkAddMood({ emoji: '🐍', author: 'Ada' })).toThrow(/emoji must be one of/);
    expect(() => checkAddMood({ emoji: '🚀' })).toThrow('a mood needs an author string');
    expect(() => checkAddMood({ emoji: '🚀', author: '   ' })).toThrow('author is empty');
    expect(() => checkAddMood({ emoji: '🚀', author: 'x'.repeat(33) })).toThrow('author is longer than 32 characters');
    expect(() => checkAddMood({ emoji: '🚀', author: 'a\u0007b' })).toThrow('author must not contain control characters');
    expect(() => checkAddMood({ emoji: '🚀', author: 'Ada', admin: true })).toThrow('unknown field "admin" in a mood');
  });
});

describe('the mood board on a node', () => {
  it('creates its table, inserts moods by RPC, and the change feed streams them', async () => {
    const db = await database();
    const made = await names(db);
    const { relais, connect } = await start({ namespaces: { pg: { publishAccess: 'nobody', historySize: 100, historyTtlMs: 60_000 } } });
    const board = await installMoodboard(relais, { url: DATABASE_URL, table: made.table, keep: 2 });
    cleanup.push(() => board.close());
    const { rows: columns } = await db.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
      [made.table],
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'emoji', 'author', 'created_at']);
    // The RPC's rules hold for rows written otherwise too (the Supabase page's PostgREST inserts).
    for (const [emoji, author] of [
      ['🐍', 'Ada'],
      ['🚀', ''],
      ['🚀', ' Ada'],
      ['🚀', 'x'.repeat(33)],
      ['🚀', 'a\u0007b'],
    ]) {
      await expect(db.query(`INSERT INTO "${made.table}" (emoji, author) VALUES ($1, $2)`, [emoji, author])).rejects.toMatchObject({
        code: '23514',
      });
    }
    await db.query(`INSERT INTO "${made.table}" (emoji, author) VALUES ('❤️', $1)`, ['é'.repeat(32)]);
    await db.query(`DELETE FROM "${made.table}"`);
    const changes = new PostgresChanges(relais, {
      url: DATABASE_URL,
      tables: [made.table],
      slot: made.slot,
      publication: made.publication,
      registryTable: made.registry,
    });
    cleanup.push(() => changes.close());
    await changes.start();

    const client = await connect();
    expect(await client.call('rpc', { method: MOODBOARD_INFO_RPC })).toEqual({ data: { schema: 'public', table: made.table } });
    await client.call('subscribe', { channel: `pg:public.${made.table}` });
    const isChange = (event: string) => (p: Push) => p.type === 'publication' && (p as { data: { event?: string } }).data.event === event;
    const added = await client.call('rpc', { method: MOODBOARD_ADD_RPC, data: { emoji: '🥳', author: ' Ada ' } });
    expect(added).toEqual({ data: { id: expect.stringMatching(/^\d+$/) } });
    const insert = (await client.nextPush(isChange('INSERT'))) as unknown as { data: { new: Record<string, unknown> } };
    expect(insert.data.new).toEqual({
      id: (added as { data: { id: string } }).data.id,
      emoji: '🥳',
      author: 'Ada',
      created_at: expect.stringMatching(/Z$/),
    });

    // Bad input: a clear 107, nothing written.
    expect(await client.command('rpc', { method: MOODBOARD_ADD_RPC, data: { emoji: 'x', author: 'Ada' } })).toMatchObject({
      error: { code: 107, message: expect.stringContaining('emoji must be one of') },
    });

    // keep: 2, so the third mood deletes the first.
    await client.call('rpc', { method: MOODBOARD_ADD_RPC, data: { emoji: '😀', author: 'Bob' } });
    await client.call('rpc', { method: MOODBOARD_ADD_RPC, data: { emoji: '😎', author: 'Cy' } });
    const deleted = (await client.nextPush(isChange('DELETE'))) as unknown as { data: { old: { id: string } } };
    expect(deleted.data.old).toEqual({ id: (added as { data: { id: string } }).data.id });
    const { rows } = await db.query<{ author: string }>(`SELECT author FROM "${made.table}" ORDER BY id`);
    expect(rows.map((r) => r.author)).toEqual(['Bob', 'Cy']);
  });

  it('keeps an existing table and its rows; close removes the RPCs', async () => {
    const db = await database();
    const made = await names(db);
    await db.query(
      `CREATE TABLE "${made.table}" (id bigserial PRIMARY KEY, emoji text NOT NULL, author text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
    );
    await db.query(`INSERT INTO "${made.table}" (emoji, author) VALUES ('😴', 'Zoe')`);
    const { relais, connect } = await start();
    const board = await installMoodboard(relais, { url: DATABASE_URL, table: made.table });
    const client = await connect();
    await client.call('rpc', { method: MOODBOARD_ADD_RPC, data: { emoji: '🤔', author: 'Ada' } });
    const { rows } = await db.query<{ author: string }>(`SELECT author FROM "${made.table}" ORDER BY id`);
    expect(rows.map((r) => r.author)).toEqual(['Zoe', 'Ada']);
    await board.close();
    // Closed: its RPCs are gone.
    expect(await client.command('rpc', { method: MOODBOARD_ADD_RPC, data: { emoji: '🤔', author: 'Ada' } })).toMatchObject({
      error: { code: 104 },
    });
  });

  it('rejects when the database cannot be reached', async () => {
    const { relais } = await start();
    await expect(installMoodboard(relais, { url: 'postgres://postgres@127.0.0.1:1/none' })).rejects.toThrow(
      /^moodboard: cannot create table public\.humeur: /,
    );
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { PublicationPush } from '@relais/protocol';
import { TestClient } from '@relais/server/testkit';
import { createClient } from '@supabase/supabase-js';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DATABASE_URL, usePostgres } from '../../../postgres/test/pg-helpers.js';
import { UsageError } from './args.js';
import { main, type CliIo, type Served } from './main.js';
import { DEFAULT_CHANGES_NAMESPACE, resolvePostgresConfig, withChangesNamespace } from './postgres.js';

const pg = usePostgres();

function io(env: Record<string, string> = {}): CliIo & { errors: string[] } {
  const errors: string[] = [];
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return { env, out: () => {}, err: (text) => errors.push(text), tty: false, logStream: sink, errors };
}

async function configFile(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'relais-pg-'));
  pg.onCleanup(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'relais.json');
  await writeFile(path, JSON.stringify(config));
  return path;
}

describe('the postgres config key', () => {
  it('checks its shape and takes RELAIS_POSTGRES_URL for its url', () => {
    expect(resolvePostgresConfig(undefined, 'f', {})).toBeUndefined();
    expect(resolvePostgresConfig({ tables: ['t'] }, 'f', { RELAIS_POSTGRES_URL: 'postgres://h/db' })).toEqual({
      url: 'postgres://h/db',
      tables: ['t'],
    });
    expect(() => resolvePostgresConfig('postgres://x', 'f', {})).toThrow(
      new UsageError('f: postgres must be an object {url, tables, ...}'),
    );
    expect(() => resolvePostgresConfig({ tables: ['t'] }, 'f', {})).toThrow(/postgres.url must be/);
    expect(() => resolvePostgresConfig({ url: 'postgres://x', tables: [] }, 'f', {})).toThrow(/postgres.tables must list/);
    expect(() => resolvePostgresConfig(undefined, 'f', { RELAIS_POSTGRES_URL: 'postgres://x' })).toThrow(/no postgres key/);
    // The mood board adds its own table: tables may be left out (or empty) when it runs.
    expect(resolvePostgresConfig({ url: 'postgres://x' }, 'f', {}, { moodboard: true })).toEqual({ url: 'postgres://x', tables: [] });
    expect(() => resolvePostgresConfig({ url: 'postgres://x', tables: 't' }, 'f', {}, { moodboard: true })).toThrow(
      /postgres.tables must list/,
    );
  });

  it('adds the change namespace unless the config sets it, keeping other namespaces open', () => {
    expect(withChangesNamespace(undefined, 'pg')).toEqual({ '*': {}, pg: DEFAULT_CHANGES_NAMESPACE });
    expect(withChangesNamespace({ chat: {} }, 'pg')).toEqual({ chat: {}, pg: DEFAULT_CHANGES_NAMESPACE });
    expect(withChangesNamespace({ pg: { historySize: 5, historyTtlMs: 1000 } }, 'pg')).toEqual({
      pg: { historySize: 5, historyTtlMs: 1000 },
    });
  });
});

describe('relais serve with postgres', () => {
  it('streams the configured tables to subscribers', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY)`);
    const path = await configFile({
      postgres: {
        url: DATABASE_URL,
        tables: [names.table],
        slot: names.slot,
        publication: names.publication,
        registryTable: names.registry,
      },
    });
    const served = (await main(['serve', '--config', path, '--port', '0', '--host', '127.0.0.1'], io())) as Served;
    pg.onCleanup(() => served.stop());
    const client = await TestClient.open(`ws://127.0.0.1:${served.port}/connection/websocket`);
    pg.onCleanup(async () => void (await client.close()));
    await client.call('connect', {});
    const channel = `pg:public.${names.table}`;
    expect(await client.call('subscribe', { channel })).toMatchObject({ recoverable: true });
    await pg.sql(`INSERT INTO "${names.table}" VALUES (7)`);
    const push = (await client.nextPush((p) => p.type === 'publication')) as PublicationPush;
    expect(push).toMatchObject({ channel, data: { event: 'INSERT', new: { id: 7 } } });
    // Clients may not publish into change channels.
    expect((await client.command('publish', { channel, data: {} })) as unknown).toMatchObject({ error: { code: 103 } });
  });

  it('serves Supabase postgres_changes from the feed when supabase is configured too', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text)`);
    const path = await configFile({
      supabase: true,
      postgres: {
        url: DATABASE_URL,
        tables: [names.table],
        slot: names.slot,
        publication: names.publication,
        registryTable: names.registry,
      },
    });
    const served = (await main(['serve', '--config', path, '--port', '0', '--host', '127.0.0.1'], io())) as Served;
    pg.onCleanup(() => served.stop());
    const supabase = createClient(`http://127.0.0.1:${served.port}`, 'anon', {
      auth: { persistSession: false },
      realtime: { transport: WebSocket as never },
    });
    pg.onCleanup(async () => {
      await supabase.removeAllChannels();
      supabase.realtime.disconnect();
    });
    const changes: unknown[] = [];
    const channel = supabase
      .channel('todos')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: names.table }, (payload) => changes.push(payload));
    await new Promise<void>((resolve, reject) =>
      channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : reject(new Error(status)))),
    );
    await pg.sql(`INSERT INTO "${names.table}" VALUES (7, 'seven')`);
    await expect.poll(() => changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ eventType: 'INSERT', schema: 'public', table: names.table, new: { id: 7, title: 'seven' } });
  });

  it('answers the PostgREST subset for the feed tables, inserting only into restInsert tables', async () => {
    const names = pg.names();
    const other = `${names.table}_ro`;
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text)`);
    await pg.sql(`CREATE TABLE "${other}" (id int PRIMARY KEY)`);
    pg.onCleanup(async () => void (await pg.sql(`DROP TABLE IF EXISTS "${other}"`)));
    const path = await configFile({
      supabase: { restInsert: [names.table] },
      postgres: {
        url: DATABASE_URL,
        tables: [names.table, other],
        slot: names.slot,
        publication: names.publication,
        registryTable: names.registry,
      },
    });
    const served = (await main(['serve', '--config', path, '--port', '0', '--host', '127.0.0.1'], io())) as Served;
    pg.onCleanup(() => served.stop());
    const supabase = createClient(`http://127.0.0.1:${served.port}`, 'anon', {
      auth: { persistSession: false },
      realtime: { transport: WebSocket as never },
    });
    const inserted = await supabase.from(names.table).insert({ id: 1, title: 'one' }).select();
    expect(inserted).toMatchObject({ status: 201, data: [{ id: 1, title: 'one' }] });
    const read = await supabase.from(names.table).select('*').limit(1);
    expect(read).toMatchObject({ status: 200, error: null, data: [{ id: 1, title: 'one' }] });
    const refused = await supabase.from(other).insert({ id: 1 });
    expect(refused).toMatchObject({ status: 403, error: { code: '42501' } });
  });

  it('refuses to start when the database is not set up and cannot be, saying why', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY)`);
    const path = await configFile({
      postgres: {
        url: DATABASE_URL,
        tables: [names.table],
        slot: names.slot,
        publication: names.publication,
        registryTable: names.registry,
        createIfMissing: false,
      },
    });
    const out = io();
    expect(await main(['serve', '--config', path, '--port', '0', '--host', '127.0.0.1'], out)).toBe(1);
    expect(out.errors.join('')).toContain(
      `channel registry table public.${names.registry} does not exist (set createIfMissing to create it)`,
    );
  });

  it("exits with the reason when the mood board's table cannot be created", async () => {
    const path = await configFile({ demo: true, postgres: { url: 'postgres://postgres@127.0.0.1:1/none' } });
    const out = io();
    expect(await main(['serve', '--config', path, '--port', '0', '--host', '127.0.0.1'], out)).toBe(1);
    expect(out.errors.join('')).toContain('cannot start: moodboard: cannot create table public.humeur: ');
  });
});

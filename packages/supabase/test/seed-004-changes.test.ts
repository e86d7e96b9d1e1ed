import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RealtimeChannel, RealtimePostgresChangesPayload, SupabaseClient } from '@supabase/supabase-js';
import { PostgresChanges } from '@relais/postgres';
import { DATABASE_URL } from '../../postgres/test/pg-helpers.js';
import { feedPostgresChanges } from '../src/index.js';
import { RealtimeManager as SeedRealtimeManager } from './seeds/seed-004-realtime-manager.js';
import { NAMESPACES, useSupabaseNodes } from './harness.js';

type Change = RealtimePostgresChangesPayload<Record<string, unknown>>;

/** The seed's class is plain JavaScript: what the test reads of it. `handleMessage` is the page's (the seed leaves it out). */
interface RealtimeManager {
  isConnected: boolean;
  maxReconnectAttempts: number;
  channel: RealtimeChannel;
  reconnectAttempts: number;
  handleMessage(payload: Change): void;
  connect(): void;
  scheduleReconnect(): void;
  disconnect(): void;
}
const RealtimeManager = SeedRealtimeManager as unknown as new (supabase: SupabaseClient) => RealtimeManager;

/** The elements the seed's updateUI writes to, recording each status text it shows. */
function fakeDocument(): { shown: string[] } {
  const shown: string[] = [];
  const element = (record: boolean) => ({
    style: {},
    set textContent(text: string) {
      if (record) shown.push(text);
    },
  });
  const elements: Record<string, unknown> = { modeIndicator: element(false), modeIcon: element(false), modeText: element(true) };
  (globalThis as { document?: unknown }).document = { getElementById: (id: string) => elements[id] ?? null };
  return { shown };
}

/**
 * The seed's table is `public.humeur`: each test gets a database of its own to hold it (and a
 * slot of its own, slots being the server's), dropped after the test with the slot.
 */
let cleanups: Array<() => Promise<void>> = [];
// Registered before the nodes' cleanup so that it runs after it (hooks run in reverse order).
afterEach(async () => {
  delete (globalThis as { document?: unknown }).document;
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});
const start = useSupabaseNodes();

async function humeurDatabase(): Promise<{ url: string; slot: string; sql(text: string): Promise<void> }> {
  const id = randomBytes(5).toString('hex');
  const database = `relais_seed_${id}`;
  const slot = `relais_seed_s_${id}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  cleanups.push(async () => {
    await db.end();
    await admin.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      slot,
    ]);
    // A terminated walsender releases its slot asynchronously: drop it once it is inactive.
    await vi.waitFor(
      async () => {
        const { rows } = await admin.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
        if (rows[0]) expect(rows[0].active).toBe(false);
      },
      { timeout: 5_000 },
    );
    await admin.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slot]);
    await admin.query(`DROP DATABASE "${database}" WITH (FORCE)`);
    await admin.end();
  });
  await db.query(
    'CREATE TABLE humeur (id serial PRIMARY KEY, nom text NOT NULL, emoji text NOT NULL, created_at timestamptz DEFAULT now())',
  );
  await db.query('ALTER TABLE humeur REPLICA IDENTITY FULL');
  return { url: url.toString(), slot, sql: async (text) => void (await db.query(text)) };
}

describe("seed 004's RealtimeManager, unchanged, gets the changes of public.humeur", () => {
  it('receives INSERT, UPDATE and DELETE after SUBSCRIBED, and again after the node cut its channel', async () => {
    const { shown } = fakeDocument();
    const db = await humeurDatabase();
    const node = await start(
      { namespaces: { ...NAMESPACES, pg: { publishAccess: 'nobody', historySize: 1000, historyTtlMs: 600_000 } } },
      { postgresChanges: feedPostgresChanges({ channelFor: (spec) => changes.channelFor(spec) }) },
    );
    const changes = new PostgresChanges(node.relais, { url: db.url, tables: ['humeur'], slot: db.slot });
    cleanups.push(() => changes.close());
    await changes.start();

    const manager = new RealtimeManager(node.client());
    const received: Change[] = [];
    manager.handleMessage = (payload) => received.push(payload);
    // The seed schedules each reconnection with a bare setTimeout: count those still to run, so
    // that the test ends only once none is left (a late one would open a socket after the test).
    let pendingReconnects = 0;
    const { connect, scheduleReconnect } = {
      connect: manager.connect.bind(manager),
      scheduleReconnect: manager.scheduleReconnect.bind(manager),
    };
    manager.scheduleReconnect = () => {
      const attempts = manager.reconnectAttempts;
      scheduleReconnect();
      if (manager.reconnectAttempts > attempts) pendingReconnects++;
    };
    manager.connect = () => {
      if (pendingReconnects > 0) pendingReconnects--;
      connect();
    };
    manager.connect();
    await vi.waitFor(() => expect(manager.isConnected).toBe(true));
    await db.sql("INSERT INTO humeur (nom, emoji) VALUES ('Ada', '🚀')");
    await db.sql("UPDATE humeur SET emoji = '🎉' WHERE nom = 'Ada'");
    await db.sql("DELETE FROM humeur WHERE nom = 'Ada'");
    await vi.waitFor(() => expect(received).toHaveLength(3));
    expect(received.map((change) => [change.eventType, change.table, change.schema])).toEqual([
      ['INSERT', 'humeur', 'public'],
      ['UPDATE', 'humeur', 'public'],
      ['DELETE', 'humeur', 'public'],
    ]);
    expect(received[0]!.new).toMatchObject({ id: 1, nom: 'Ada', emoji: '🚀' });
    expect(received[1]!.old).toMatchObject({ id: 1, emoji: '🚀' });
    expect(received[1]!.new).toMatchObject({ id: 1, emoji: '🎉' });
    expect(received[2]!.old).toMatchObject({ id: 1, nom: 'Ada', emoji: '🎉' });

    // The node ends the channel's connection: CHANNEL_ERROR, the manager reconnects, and the new
    // channel gets the changes committed once it is SUBSCRIBED again.
    const entries = await node.relais.presence('supabase:humeur_realtime');
    const listener = Object.values(entries).find((entry) => (entry.info as { supabase?: string }).supabase === 'listener')!;
    expect(node.relais.unsubscribe(listener.client, 'supabase:humeur_realtime')).toBe(true);
    const CONNECTED = 'Connecté - Synchronisation temps réel';
    // realtime-js may rejoin the old channel before the seed's own reconnection (1–2 s later)
    // replaces it (removing the old one, which shows 'Déconnecté' once more): wait until that
    // has run and the manager's channel is joined, so the next change is not committed while the
    // old channel is being removed.
    await vi.waitFor(
      () => {
        expect(shown.slice(0, 3)).toEqual([CONNECTED, 'Erreur de connexion', CONNECTED]);
        expect(pendingReconnects).toBe(0);
        expect(manager.channel.state).toBe('joined');
      },
      { timeout: 8_000 },
    );
    await db.sql("INSERT INTO humeur (nom, emoji) VALUES ('Grace', '🌈')");
    await vi.waitFor(() => expect(received).toHaveLength(4), { timeout: 5_000 });
    expect(received[3]).toMatchObject({ eventType: 'INSERT', new: { nom: 'Grace', emoji: '🌈' } });

    manager.maxReconnectAttempts = 0;
    manager.disconnect();
  });
});

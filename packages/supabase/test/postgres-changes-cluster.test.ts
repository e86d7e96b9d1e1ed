import { PostgresChanges } from '@relais/postgres';
import type { RealtimePostgresChangesPayload } from '@supabase/supabase-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sharedEngines } from './engines.js';
import { DATABASE_URL, usePostgres } from '../../postgres/test/pg-helpers.js';
import { feedPostgresChanges } from '../src/index.js';
import { NAMESPACES, subscribed, useSupabaseNodes, type SupabaseNode } from './harness.js';

type Change = RealtimePostgresChangesPayload<Record<string, unknown>>;

const cleanups: Array<() => Promise<void>> = [];
// Registered first, so it runs last (hooks run as a stack): keys go once the nodes are closed.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
const start = useSupabaseNodes();
const pg = usePostgres();

/** Engines of two nodes that share everything: a MemoryBus, or one Redis prefix. */
const ENGINES = sharedEngines('supabase-pg', cleanups);

describe.each(ENGINES)('postgres_changes on two nodes of the %s engine, one slot', (_, shared) => {
  it('serves Supabase clients of the streaming node and of the standing-by node alike', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text)`);
    const engine = shared();
    const nodes: SupabaseNode[] = [];
    const feeds: PostgresChanges[] = [];
    for (const nodeId of ['a', 'b']) {
      const node = await start(
        {
          nodeId,
          engine: engine(),
          namespaces: { ...NAMESPACES, pg: { publishAccess: 'nobody', historySize: 1000, historyTtlMs: 600_000 } },
        },
        { postgresChanges: feedPostgresChanges({ channelFor: (spec) => changes.channelFor(spec) }) },
      );
      const changes = new PostgresChanges(node.relais, {
        url: DATABASE_URL,
        tables: [names.table],
        slot: names.slot,
        publication: names.publication,
        registryTable: names.registry,
      });
      pg.onCleanup(() => changes.close());
      // The first streams the slot; the second stands by (another node streams it).
      await changes.start();
      nodes.push(node);
      feeds.push(changes);
    }
    expect(feeds.map((changes) => changes.feed.state)).toEqual(['live', 'reconnecting']);
    const got: Change[][] = [[], []];
    const channels = nodes.map((node, index) =>
      node
        .client()
        .channel('todos')
        .on('postgres_changes', { event: '*', schema: 'public', table: names.table }, (payload: Change) => got[index]!.push(payload)),
    );
    await Promise.all(channels.map((channel) => subscribed(channel)));
    await pg.sql(`INSERT INTO "${names.table}" VALUES (1, 'one'), (2, 'two')`);
    await pg.sql(`UPDATE "${names.table}" SET title = 'uno' WHERE id = 1`);
    for (const changes of got) {
      await vi.waitFor(() => expect(changes).toHaveLength(3));
      expect(changes.map((change) => [change.eventType, change.new])).toEqual([
        ['INSERT', { id: 1, title: 'one' }],
        ['INSERT', { id: 2, title: 'two' }],
        ['UPDATE', { id: 1, title: 'uno' }],
      ]);
    }
  });
});

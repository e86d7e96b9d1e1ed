/**
 * The SDK's subscribeChanges against a real node running the feed on the real database, over a
 * real WebSocket: the channel it builds is the server's canonical one, rows arrive typed, and a
 * bad filter ends the subscription with the server's reason.
 */
import { Client, type RowChange, type SubscriptionStateChange } from '@relais/client';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PostgresChanges } from '../src/index.js';
import { DATABASE_URL, usePostgres } from './pg-helpers.js';

const start = useTestNodes();
const pg = usePostgres();

async function setup() {
  const names = pg.names();
  await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, title text, done boolean DEFAULT false)`);
  const node = await start({ namespaces: { pg: { publishAccess: 'nobody', historySize: 100, historyTtlMs: 60_000 } } });
  const changes = new PostgresChanges(node.relais, {
    url: DATABASE_URL,
    tables: [names.table],
    slot: names.slot,
    publication: names.publication,
    registryTable: names.registry,
  });
  pg.onCleanup(() => changes.close());
  await changes.start();
  const client = new Client(node.url, { websocket: WebSocket as never });
  pg.onCleanup(async () => client.close());
  client.connect();
  return { ...names, client };
}

const next = <T>(sub: { on(event: 'publication', fn: (p: { data: T }) => void): () => void }) =>
  new Promise<T>((resolve) => {
    const off = sub.on('publication', ({ data }) => {
      off();
      resolve(data);
    });
  });

describe('client.subscribeChanges', () => {
  it('receives the filtered changes of a table', async () => {
    const { client, table } = await setup();
    const sub = client.subscribeChanges<{ id: number; title: string; done: boolean }>({
      table,
      event: 'INSERT',
      filter: { column: 'title', op: 'in', value: ['a,b', 'c'] },
    });
    expect(sub.channel).toBe(`pg:public.${table}:INSERT:title=in.("a,b",c)`);
    await new Promise<void>((resolve) => sub.on('state', ({ state }) => state === 'subscribed' && resolve()));
    const arrived = next<RowChange<{ id: number; title: string; done: boolean }>>(sub);
    await pg.sql(`INSERT INTO "${table}" (id, title) VALUES (1, 'x'), (2, 'a,b')`);
    expect(await arrived).toMatchObject({ event: 'INSERT', table, new: { id: 2, title: 'a,b', done: false } });
  });

  it("accepts Supabase's filter text, and ends with the server's reason on a bad one", async () => {
    const { client, table } = await setup();
    const sub = client.subscribeChanges({ table, filter: 'id=gt.nope' });
    const ended = await new Promise<SubscriptionStateChange>((resolve) =>
      sub.on('state', (change) => change.state === 'unsubscribed' && resolve(change)),
    );
    expect(ended.error).toMatchObject({ serverCode: 107, message: expect.stringContaining('"nope" is not a number') });
  });

  it('refuses options it cannot turn into a channel', () => {
    const client = new Client('ws://127.0.0.1:1', { websocket: WebSocket as never });
    expect(() => client.subscribeChanges({ table: '' })).toThrow('table must be a non-empty string');
    expect(() => client.subscribeChanges({ table: 't', event: 'insert' as never })).toThrow(/event must be/);
    expect(() => client.subscribeChanges({ table: 't', filter: { column: 'id', op: 'like' as never, value: 1 } })).toThrow(/filter.op/);
    client.close();
  });
});

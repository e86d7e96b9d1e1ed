/**
 * Access rules per table on a node with token auth: decided once per subscribe from the
 * connection's claims, row rules as required filters, hidden columns never sent.
 */
import type { PublicationPush, Push } from '@relais/protocol';
import { useTestNodes } from '@relais/server/testkit';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { PostgresChanges, type RowChange } from '../src/index.js';
import { DATABASE_URL, usePostgres } from './pg-helpers.js';

const start = useTestNodes();
const pg = usePostgres();
const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

async function setup() {
  const names = pg.names();
  await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY, owner text, note text, secret text)`);
  const node = await start({
    auth: { hmacSecret: SECRET },
    namespaces: { pg: { publishAccess: 'nobody', historySize: 100, historyTtlMs: 60_000 } },
  });
  const changes = new PostgresChanges(node.relais, {
    url: DATABASE_URL,
    tables: [
      { table: names.table, subscribe: { claim: 'role', equals: 'member' }, rowFilter: 'owner=eq.{sub}', hiddenColumns: ['secret'] },
    ],
    slot: names.slot,
    publication: names.publication,
    registryTable: names.registry,
  });
  pg.onCleanup(() => changes.close());
  await changes.start();
  const as = async (claims: Record<string, unknown>) => node.connect(undefined, { token: await token(claims) });
  return { ...names, node, as, channel: `pg:public.${names.table}` };
}

const refusal = async (client: { command(m: string, p: unknown): Promise<unknown> }, channel: string) => {
  const reply = (await client.command('subscribe', { channel })) as { error?: { code: number; message: string } };
  return reply.error;
};

describe('table access rules', () => {
  it('lets a subscriber add filters of its own to the row rule, in changes and snapshots', async () => {
    const { as, channel, table } = await setup();
    const ann = await as({ sub: 'ann', role: 'member' });
    await pg.sql(`INSERT INTO "${table}" VALUES (1, 'ann', 'keep', 's'), (2, 'ann', 'drop', 's'), (3, 'bob', 'keep', 's')`);
    const mine = `${channel}:*:note=eq.keep&owner=eq.ann`;
    await ann.call('subscribe', { channel: mine, data: { snapshot: true } });
    const snapshot = await ann.call<{ data: { rows: unknown[] } }>('rpc', { method: 'relais.changes.snapshot', data: { channel: mine } });
    expect(snapshot.data.rows).toEqual([{ id: 1, owner: 'ann', note: 'keep' }]);
    await pg.sql(`INSERT INTO "${table}" VALUES (4, 'ann', 'drop', 's'), (5, 'bob', 'keep', 's'), (6, 'ann', 'keep', 's')`);
    const push = (await ann.nextPush((p: Push) => p.type === 'publication' && p.channel === mine)) as PublicationPush;
    expect((push.data as RowChange).new).toEqual({ id: 6, owner: 'ann', note: 'keep' });
  });

  it('refuses subscribers without the claim or without the row rule, naming what is needed', async () => {
    const { as, channel } = await setup();
    const guest = await as({ sub: 'ann', role: 'guest' });
    expect(await refusal(guest, `${channel}:*:owner=eq.ann`)).toMatchObject({
      code: 103,
      message: expect.stringContaining('needs the claim role = member'),
    });
    const member = await as({ sub: 'ann', role: 'member' });
    expect(await refusal(member, channel)).toMatchObject({
      code: 103,
      message: expect.stringContaining('must have the filter owner=eq.ann'),
    });
    expect(await refusal(member, `${channel}:*:owner=eq.bob`)).toMatchObject({
      code: 103,
      message: expect.stringContaining('owner=eq.ann'),
    });
    expect(await refusal(member, `${channel}:*:secret=eq.x`)).toMatchObject({
      code: 107,
      message: expect.stringContaining('unknown column "secret"'),
    });
  });

  it("delivers a member's own rows only, without the hidden columns, in changes and snapshots", async () => {
    const { as, channel, table } = await setup();
    const ann = await as({ sub: 'ann', role: 'member' });
    const mine = `${channel}:*:owner=eq.ann`;
    await ann.call('subscribe', { channel: mine, data: { snapshot: true } });
    await pg.sql(`INSERT INTO "${table}" VALUES (1, 'bob', 'b', 's1'), (2, 'ann', 'a', 's2')`);
    const push = (await ann.nextPush((p: Push) => p.type === 'publication' && p.channel === mine)) as PublicationPush;
    expect((push.data as RowChange).new).toEqual({ id: 2, owner: 'ann', note: 'a' });
    const snapshot = await ann.call<{ data: { rows: unknown[] } }>('rpc', { method: 'relais.changes.snapshot', data: { channel: mine } });
    expect(snapshot.data.rows).toEqual([{ id: 2, owner: 'ann', note: 'a' }]);
  });
});

/**
 * A table whose subscriptions the node's subscribe backend hook decides (`subscribe: 'proxy'`),
 * against a real HTTP backend on port 0: the backend sees the change channel and the user, its
 * refusal reaches the client, its consent lets the changes flow; without the hook configured the
 * feed refuses to start.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { PublicationPush, Push } from '@relais/protocol';
import { useTestNodes } from '@relais/server/testkit';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresChanges, PostgresFeedError, type RowChange } from '../src/index.js';
import { DATABASE_URL, usePostgres } from './pg-helpers.js';

const start = useTestNodes();
const pg = usePostgres();
const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const token = (sub: string) =>
  new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  servers = [];
});

const bodyOf = async (req: IncomingMessage): Promise<Record<string, unknown>> => {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text) as Record<string, unknown>;
};

/** A backend that lets user `ada` subscribe and refuses everyone else; it records every body. */
async function backend(): Promise<{ url: string; asked: Record<string, unknown>[] }> {
  const asked: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      asked.push(body);
      const answer = body.user === 'ada' ? { result: {} } : { error: { code: 403, message: 'not your board' } };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/relais/subscribe`, asked };
}

const isPub = (channel: string) => (push: Push) => push.type === 'publication' && push.channel === channel;

describe("PostgresChanges: subscribe: 'proxy'", () => {
  it('asks the backend whether a subscription to the table may start, and follows its answer', async () => {
    const names = pg.names();
    await pg.sql(`CREATE TABLE "${names.table}" (id int PRIMARY KEY)`);
    const { url, asked } = await backend();
    const node = await start({
      auth: { hmacSecret: SECRET },
      proxy: { namespaces: { pg: { subscribe: url } } },
      namespaces: { pg: { publishAccess: 'nobody', historySize: 100, historyTtlMs: 60_000 } },
    });
    const changes = new PostgresChanges(node.relais, {
      url: DATABASE_URL,
      tables: [{ table: names.table, subscribe: 'proxy' }],
      slot: names.slot,
      publication: names.publication,
      registryTable: names.registry,
    });
    pg.onCleanup(() => changes.close());
    await changes.start();
    const channel = `pg:public.${names.table}:INSERT`;

    const bob = await node.connect(undefined, { token: await token('bob') });
    const refused = await bob.command('subscribe', { channel });
    expect('error' in refused && refused.error).toMatchObject({ code: 403, message: 'not your board' });
    // Refused by the backend before the feed registered anything.
    expect(changes.router.has(channel)).toBe(false);

    const ada = await node.connect(undefined, { token: await token('ada') });
    await ada.call('subscribe', { channel });
    expect(asked.map((body) => [body.user, body.channel])).toEqual([
      ['bob', channel],
      ['ada', channel],
    ]);
    await pg.sql(`INSERT INTO "${names.table}" VALUES (1)`);
    const push = (await ada.nextPush(isPub(channel))) as PublicationPush;
    expect((push.data as RowChange).new).toEqual({ id: 1 });

    // The REST subset is not asked to the backend: such a table is not readable there.
    const rest = changes.restTables().table('public', names.table);
    expect(rest?.authorize({ client: 'c', user: 'ada', transport: { name: 'http', headers: {} } } as never)).toEqual({
      refused: expect.stringContaining("decided by the backend's subscribe hook"),
    });
  });

  it('refuses to start without a subscribe hook for the change namespace', async () => {
    const node = await start({ proxy: { namespaces: { pg: { subscribe: false }, chat: { subscribe: 'http://127.0.0.1:1/x' } } } });
    expect(() => new PostgresChanges(node.relais, { url: DATABASE_URL, tables: [{ table: 'boards', subscribe: 'proxy' }] })).toThrow(
      new PostgresFeedError("table boards: subscribe 'proxy' needs the node's proxy.subscribe (or proxy.namespaces.pg.subscribe) URL"),
    );
    const bare = await start();
    expect(() => new PostgresChanges(bare.relais, { url: DATABASE_URL, tables: [{ table: 'boards', subscribe: 'proxy' }] })).toThrow(
      PostgresFeedError,
    );
  });
});

import { OptionsError } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { installDemo, installPostgresDemo } from './demo.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const start = useTestNodes();

describe('installDemo', () => {
  it('installs the chat and the counter, and the disposer removes both', async () => {
    const { relais, connect } = await start();
    const dispose = installDemo(relais, { rooms: ['only'] });
    const client = await connect();
    expect(await client.call('rpc', { method: 'chat.rooms' })).toEqual({ data: { rooms: ['only'] } });
    expect(await client.call('rpc', { method: 'counter.get' })).toEqual({ data: { count: 0 } });
    dispose();
    expect(await client.command('rpc', { method: 'chat.rooms' })).toMatchObject({ error: { code: 104 } });
    expect(await client.command('rpc', { method: 'counter.get' })).toMatchObject({ error: { code: 104 } });
  });

  it("serves the counter's Socket.IO page server at /socket.io/, sharing the native count", async () => {
    const { relais, connect, base } = await start();
    const dispose = installDemo(relais);
    const client = await connect();
    expect(await client.call('rpc', { method: 'counter.increment' })).toEqual({ data: { count: 1 } });
    const socket = io(base, { forceNew: true, reconnection: false });
    try {
      expect(await new Promise((resolve) => socket.once('click', resolve))).toBe(1);
      // The count 1 comes twice (replayed through the seed, and as the new socket's count): wait for 2.
      const next = new Promise((resolve) => socket.on('click', (count: number) => count === 2 && resolve(count)));
      socket.emit('click');
      expect(await next).toBe(2);
      expect(await client.call('rpc', { method: 'counter.get' })).toEqual({ data: { count: 2 } });
    } finally {
      socket.disconnect();
      dispose();
    }
  });

  it('throws OptionsError on bad options', async () => {
    const { relais } = await start();
    expect(() => installDemo(relais, { maxRooms: 0 })).toThrow(OptionsError);
  });
});

describe('installPostgresDemo', () => {
  const made: string[] = [];
  afterEach(async () => {
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    for (const table of made.splice(0)) await db.query(`DROP TABLE IF EXISTS "${table}"`);
    await db.end();
  });

  it("creates the mood board's table and adds it to the feed's tables unless they list it", async () => {
    const { relais } = await start();
    const table = `humeur_${randomBytes(5).toString('hex')}`;
    made.push(table);
    const first = await installPostgresDemo(relais, { url: DATABASE_URL, tables: ['todos'] }, { table });
    expect(first.tables).toEqual(['todos', `public.${table}`]);
    await first.board.close();
    for (const listed of [table, `public.${table}`, { table, hiddenColumns: ['author'] }]) {
      const again = await installPostgresDemo(relais, { url: DATABASE_URL, tables: [listed] }, { table });
      expect(again.tables).toEqual([listed]);
      await again.board.close();
    }
  });
});

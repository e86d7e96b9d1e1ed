/**
 * `SharedClient.subscribeChanges` in headless Chromium, against a real relais node running the
 * Postgres feed on the real database: three tabs of one origin share one WebSocket (the node
 * counts one connection), each reads its own snapshot (a tab opened later, after the server's
 * snapshot grant for the shared subscribe expired, gets the rows committed by then) and every
 * change committed after it exactly once; when the leader tab
 * closes, the others still get every change once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { useTestNodes } from '@relais/server/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForPage, clientSource, launchChromium } from '../../client/test/chromium.js';
import { PostgresChanges } from '../src/index.js';
import { DATABASE_URL, usePostgres } from './pg-helpers.js';

/** The snapshot grant of the feed under test (PostgresChanges' snapshotGrantMs). */
const GRANT_MS = 2_000;

const bundleShare = (): Promise<string> => bundleForPage(`export * from ${clientSource('share/index.ts')};`);

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>relais shared changes</title>
<script type="module">
  import { SharedClient } from '/relais-share.js';
  const params = new URLSearchParams(location.search);
  const t = { leader: false, snapshots: [], changes: [], state: 'unsubscribed', errors: [] };
  window.probe = t;
  const client = new SharedClient(params.get('ws'), {
    share: true, transports: ['websocket'], minReconnectDelayMs: 50, maxReconnectDelayMs: 200,
  });
  client.on('leader', (leader) => { t.leader = leader; });
  const sub = client.subscribeChanges({ table: params.get('table'), snapshot: true });
  sub.on('snapshot', (s) => t.snapshots.push(s.rows.map((row) => row.id).sort((a, b) => a - b)));
  sub.on('change', (change) => t.changes.push(change.new.id));
  sub.on('state', ({ state }) => { t.state = state; });
  sub.on('error', (error) => t.errors.push(error.message));
  client.connect();
</script>`;

interface Probe {
  leader: boolean;
  snapshots: number[][];
  changes: number[];
  state: string;
  errors: string[];
}

declare global {
  interface Window {
    probe: Probe;
  }
}

const start = useTestNodes();
const pg = usePostgres();
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SharedClient.subscribeChanges in Chromium', () => {
  let browser: Browser;
  let script: string;
  let pages: Server;
  let origin: string;

  beforeAll(async () => {
    [browser, script] = await Promise.all([launchChromium(), bundleShare()]);
    pages = createServer((req, res) => {
      if (req.url === '/relais-share.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
  });

  it('shares one connection between 3 tabs, each with its own snapshot and every later change once', { timeout: 60_000 }, async () => {
    const names = pg.names();
    const { table } = names;
    await pg.sql(`CREATE TABLE "${table}" (id int PRIMARY KEY)`);
    const node = await start({ namespaces: { pg: { publishAccess: 'nobody', historySize: 1000, historyTtlMs: 60_000 } } });
    const changes = new PostgresChanges(node.relais, {
      url: DATABASE_URL,
      tables: [table],
      slot: names.slot,
      publication: names.publication,
      registryTable: names.registry,
      // Short, so that the third tab comes after the grant of the shared subscribe expired, but
      // long enough for a loaded machine to ask for the first snapshot within it.
      snapshotGrantMs: GRANT_MS,
    });
    pg.onCleanup(() => changes.close());
    await changes.start();
    await pg.sql(`INSERT INTO "${table}" (id) SELECT generate_series(1, 3)`);

    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext();
      const open = async (): Promise<Page> => {
        const page = await context!.newPage();
        await page.goto(`${origin}/?ws=${encodeURIComponent(node.url)}&table=${encodeURIComponent(table)}`);
        await page.waitForFunction(() => window.probe?.snapshots.length === 1);
        return page;
      };
      const probe = (page: Page) => page.evaluate(() => window.probe);
      const tabs = [await open(), await open()];
      const granted = Date.now(); // after the shared subscribe, whose snapshot grant lasts GRANT_MS
      expect(node.relais.stats().connections).toBe(1);
      for (const tab of tabs) expect((await probe(tab)).snapshots).toEqual([[1, 2, 3]]);

      await pg.sql(`INSERT INTO "${table}" (id) SELECT generate_series(4, 6)`);
      for (const tab of tabs) await tab.waitForFunction(() => window.probe.changes.length >= 3);
      // A tab opened now, once the grant of the shared subscribe is over, reads the rows committed
      // by now (the leader subscribes the channel again for it), then only what comes after.
      while (Date.now() < granted + GRANT_MS + 50) await new Promise((resolve) => setTimeout(resolve, 20));
      tabs.push(await open());
      expect((await probe(tabs[2]!)).snapshots).toEqual([range(1, 6)]);
      await pg.sql(`INSERT INTO "${table}" (id) SELECT generate_series(7, 9)`);
      for (const tab of tabs) await tab.waitForFunction(() => window.probe.changes.includes(9));
      expect(node.relais.stats().connections).toBe(1);
      const seen = await Promise.all(tabs.map(probe));
      expect(seen.map((p) => p.changes)).toEqual([range(4, 9), range(4, 9), range(7, 9)]);
      expect(seen.map((p) => p.snapshots.length)).toEqual([1, 1, 1]);
      expect(seen.flatMap((p) => p.errors)).toEqual([]);

      // The leader tab closes; changes committed meanwhile and after reach the others once.
      const leader = tabs[seen.findIndex((p) => p.leader)]!;
      const rest = tabs.filter((tab) => tab !== leader);
      await leader.close();
      await pg.sql(`INSERT INTO "${table}" (id) SELECT generate_series(10, 12)`);
      await Promise.race(rest.map((tab) => tab.waitForFunction(() => window.probe.leader)));
      await pg.sql(`INSERT INTO "${table}" (id) SELECT generate_series(13, 15)`);
      for (const tab of rest) await tab.waitForFunction(() => window.probe.changes.includes(15), undefined, { timeout: 15_000 });
      const after = await Promise.all(rest.map(probe));
      for (const p of after) {
        expect(p.changes.slice(p.changes.indexOf(10))).toEqual(range(10, 15));
        expect(new Set(p.changes).size).toBe(p.changes.length);
        expect(p.errors).toEqual([]);
      }
    } finally {
      await context?.close();
    }
  });
});

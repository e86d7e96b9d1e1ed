/**
 * `@relais/client/outbox` in headless Chromium against a real relais node: a durable publish
 * and a durable RPC made offline are written to IndexedDB, survive a reload of the page, and
 * when the browser comes back online the publish is delivered once, the RPC's handler runs
 * once and the reloaded page gets its answer (the `answered` event).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, bundleForPage, clientSource } from './chromium.js';
import { killNode, startNode, type Node } from './nodes.js';

/** One bundle with the client and the outbox, as an app's bundler would make it. */
const bundle = (): Promise<string> =>
  bundleForPage(`export { Client } from ${clientSource('index.ts')}; export { Outbox } from ${clientSource('outbox/index.ts')};`);

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>relais outbox test</title>
<script type="module">
  import { Client, Outbox } from '/relais-outbox.js';
  const t = { states: [], sent: [], answered: [], errors: [], started: undefined };
  window.outboxProbe = t;
  const client = new Client('ws://' + location.host + '/connection/websocket', {
    transports: ['websocket'], minReconnectDelayMs: 50, maxReconnectDelayMs: 200,
  });
  client.on('state', ({ state }) => t.states.push(state));
  const outbox = new Outbox(client, { store: 'indexeddb' });
  outbox.on('sent', ({ entry }) => t.sent.push(entry.data.n));
  outbox.on('answered', ({ entry, data }) => t.answered.push({ method: entry.method, data }));
  window.publishDurable = (n) => {
    outbox.publish('room:outbox', { n }).catch((error) => t.errors.push(error.name));
  };
  window.rpcDurable = (item) => {
    outbox.rpc('order', { item }).catch((error) => t.errors.push(error.name));
  };
  window.pendingCount = async () => (await outbox.pending()).length;
  t.started = await outbox.start();
  client.connect();
</script>`;

interface OutboxPageProbe {
  states: string[];
  sent: number[];
  answered: { method: string; data: unknown }[];
  errors: string[];
  started: number | undefined;
}

declare global {
  interface Window {
    outboxProbe: OutboxPageProbe;
    publishDurable(n: number): void;
    rpcDurable(item: string): void;
    pendingCount(): Promise<number>;
  }
}

describe('@relais/client/outbox in Chromium', () => {
  let browser: Browser;
  let script: string;

  beforeAll(async () => {
    // The page comes from a route (so that it reloads offline), which gives it no address
    // space; Chromium would then treat it as public and block its WebSocket to 127.0.0.1.
    const args = [...CHROMIUM_ARGS, '--disable-features=LocalNetworkAccessChecks'];
    [browser, script] = await Promise.all([chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args }), bundle()]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('delivers once a publish and runs once an rpc made offline, after a reload, when the browser is back online', async () => {
    const node: Node = await startNode(0, { namespaces: { room: { historySize: 100, historyTtlMs: 60_000 } } });
    const orders: unknown[] = [];
    node.relais.rpc('order', ({ data }) => {
      orders.push(data);
      return { receipt: orders.length, ...(data as object) };
    });
    const origin = `http://127.0.0.1:${node.port}`;
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext();
      // The page and its script come from the test, so the page reloads while offline.
      await context.route(`${origin}/**`, (route) => {
        const isScript = new URL(route.request().url()).pathname === '/relais-outbox.js';
        return route.fulfill(
          isScript ? { contentType: 'text/javascript', body: script } : { contentType: 'text/html; charset=utf-8', body: PAGE },
        );
      });
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      await page.waitForFunction(() => window.outboxProbe?.states.includes('connected'));
      expect(await page.evaluate(() => window.outboxProbe.started)).toBe(0);

      // Offline emulation leaves open sockets alone: drop the live one, as a lost network would.
      await context.setOffline(true);
      for (const socket of node.sockets) socket.destroy();
      await page.waitForFunction(() => window.outboxProbe.states.at(-1) === 'disconnected');
      await page.evaluate(() => window.publishDurable(1));
      await page.evaluate(() => window.rpcDurable('tea'));
      await page.waitForFunction(async () => (await window.pendingCount()) === 2);

      await page.reload();
      await page.waitForFunction(() => window.outboxProbe?.started !== undefined);
      expect(await page.evaluate(() => window.outboxProbe.started)).toBe(2);
      expect((await node.relais.history('room:outbox')).publications).toEqual([]);
      expect(orders).toEqual([]);

      await context.setOffline(false);
      await page.waitForFunction(() => window.outboxProbe.sent.length === 1 && window.outboxProbe.answered.length === 1, undefined, {
        timeout: 15_000,
      });
      await page.waitForFunction(async () => (await window.pendingCount()) === 0);
      const { publications } = await node.relais.history('room:outbox');
      expect(publications.map((p) => p.data)).toEqual([{ n: 1 }]);
      expect(orders).toEqual([{ item: 'tea' }]);
      expect(await page.evaluate(() => window.outboxProbe.answered)).toEqual([{ method: 'order', data: { receipt: 1, item: 'tea' } }]);
      expect(await page.evaluate(() => window.outboxProbe.errors)).toEqual([]);
    } finally {
      await context?.close();
      await killNode(node);
    }
  });
});

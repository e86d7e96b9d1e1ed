/**
 * `@relais/client/share` in headless Chromium against a real relais node: three tabs of one
 * origin share one WebSocket (the node counts one connection); when the leader tab closes,
 * another takes over and every remaining tab still gets every publication exactly once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForPage, clientSource, launchChromium } from './chromium.js';
import { killNode, startNode, until, type Node } from './nodes.js';

/** The share entry point as an ES module for the pages; `worker` is the SharedWorker's script. */
function bundle(entry: 'page' | 'worker'): Promise<string> {
  const share = clientSource('share/index.ts');
  if (entry === 'page') return bundleForPage(`export * from ${share};`);
  return bundleForPage(
    `import { serveSharedWorker } from ${share};
     serveSharedWorker('ws://' + self.location.host + '/connection/websocket', { transports: ['websocket'] });`,
    'iife',
  );
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>relais share test</title>
<script type="module">
  import { SharedClient } from '/relais-share.js';
  const t = { states: [], received: [], leader: false, subState: 'unsubscribed' };
  window.shareProbe = t;
  const worker = new URLSearchParams(location.search).has('worker') ? () => new SharedWorker('/relais-worker.js') : undefined;
  const client = new SharedClient('ws://' + location.host + '/connection/websocket', {
    share: true, worker, minReconnectDelayMs: 50, maxReconnectDelayMs: 200,
  });
  client.on('state', ({ state }) => t.states.push(state));
  client.on('leader', (leader) => { t.leader = leader; });
  const sub = client.subscribe('room:share');
  sub.on('publication', (pub) => t.received.push(pub.data.n));
  sub.on('state', ({ state }) => { t.subState = state; });
  client.connect();
</script>`;

interface SharePageProbe {
  states: string[];
  received: number[];
  leader: boolean;
  subState: string;
}

declare global {
  interface Window {
    shareProbe: SharePageProbe;
  }
}

describe('@relais/client/share in Chromium', () => {
  let browser: Browser;
  let script: string;
  let workerScript: string;
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/relais-share.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else if (req.url === '/relais-worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerScript);
    else res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
  };
  const namespaces = { room: { historySize: 100, historyTtlMs: 60_000 } };

  beforeAll(async () => {
    [browser, script, workerScript] = await Promise.all([launchChromium(), bundle('page'), bundle('worker')]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shares one connection between 3 tabs and loses or repeats nothing when the leader tab closes', async () => {
    const node: Node = await startNode(0, { namespaces }, serve);
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext();
      const pages: Page[] = [];
      for (let i = 0; i < 3; i++) {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${node.port}/`);
        await page.waitForFunction(() => window.shareProbe?.subState === 'subscribed');
        pages.push(page);
      }
      expect(node.relais.stats().connections).toBe(1);
      const leaders = await Promise.all(pages.map((p) => p.evaluate(() => window.shareProbe.leader)));
      expect(leaders.filter(Boolean)).toHaveLength(1);

      for (let n = 1; n <= 5; n++) await node.relais.publish('room:share', { n });
      for (const page of pages) await page.waitForFunction(() => window.shareProbe.received.length >= 5);

      // Close the leader tab, and publish while nobody holds the socket.
      const leader = pages[leaders.indexOf(true)]!;
      const rest = pages.filter((p) => p !== leader);
      await leader.close();
      for (let n = 6; n <= 10; n++) await node.relais.publish('room:share', { n });
      await Promise.race(rest.map((p) => p.waitForFunction(() => window.shareProbe.leader)));
      for (let n = 11; n <= 15; n++) await node.relais.publish('room:share', { n });

      const all = Array.from({ length: 15 }, (_, i) => i + 1);
      for (const page of rest) {
        await page.waitForFunction((count) => window.shareProbe.received.length >= count, all.length, { timeout: 15_000 });
        expect(await page.evaluate(() => window.shareProbe.received)).toEqual(all);
      }
      await until(() => node.relais.stats().connections === 1, 'one connection after the handover');
      // Nothing late: a duplicate would have arrived with the recovery, before the last live ones.
      for (const page of rest) expect(await page.evaluate(() => window.shareProbe.received.length)).toBe(all.length);
    } finally {
      await context?.close();
      await killNode(node);
    }
  });

  it('holds the connection in a SharedWorker: one for 3 tabs, kept when a tab closes', async () => {
    const node: Node = await startNode(0, { namespaces }, serve);
    let context: BrowserContext | undefined;
    try {
      context = await browser.newContext();
      const pages: Page[] = [];
      for (let i = 0; i < 3; i++) {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${node.port}/?worker`);
        await page.waitForFunction(() => window.shareProbe?.subState === 'subscribed');
        pages.push(page);
      }
      expect(node.relais.stats().connections).toBe(1);
      expect(await Promise.all(pages.map((p) => p.evaluate(() => window.shareProbe.leader)))).toEqual([false, false, false]);
      for (let n = 1; n <= 5; n++) await node.relais.publish('room:share', { n });
      await pages[0]!.waitForFunction(() => window.shareProbe.received.length >= 5);
      await pages[0]!.close();
      for (let n = 6; n <= 10; n++) await node.relais.publish('room:share', { n });
      const all = Array.from({ length: 10 }, (_, i) => i + 1);
      for (const page of pages.slice(1)) {
        await page.waitForFunction((count) => window.shareProbe.received.length >= count, all.length);
        expect(await page.evaluate(() => window.shareProbe.received)).toEqual(all);
      }
      expect(node.relais.stats().connections).toBe(1);
    } finally {
      await context?.close();
      await killNode(node);
    }
  });
});

/**
 * The browser ESM bundle of @relais/client in headless Chromium against a real relais node:
 * the page connects, publishes, receives, and reconnects after the node is killed and started
 * again on the same port. The page uses the browser's own WebSocket, timers and window.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client } from '@relais/client';
import { launchChromium } from './chromium.js';
import { killNode, startNode, until, type Node } from './nodes.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The same ESM bundle as scripts/bundle-size.mjs, unminified, built in memory. */
async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [source('../src/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    alias: { '@relais/protocol': source('../../protocol/src/index.ts') },
    logLevel: 'warning',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no bundle');
  return file.text;
}

/**
 * The page: a module script that imports the bundle like an app would, and exposes what the
 * test reads on `window.t`. Plain JavaScript, so nothing of the test runner leaks into it.
 */
const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>relais browser test</title>
<p>relais</p>
<script type="module">
  import { Client } from '/relais-client.js';
  const t = { states: [], received: [], acked: 0 };
  window.t = t;
  const client = new Client('ws://' + location.host + '/connection/websocket', { minReconnectDelayMs: 50, maxReconnectDelayMs: 200 });
  client.on('state', ({ state }) => t.states.push(state));
  const sub = client.subscribe('room:browser');
  sub.on('publication', (pub) => t.received.push(pub.data));
  window.publishFromPage = async (n) => {
    await sub.publish({ from: 'page', n });
    t.acked++;
  };
  client.connect();
</script>`;

function servePage(bundle: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/relais-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    }
  };
}

/** What the page exposes on `window.t` for the test to read. */
interface PageProbe {
  states: string[];
  received: unknown[];
  acked: number;
}

declare global {
  interface Window {
    t: PageProbe;
    publishFromPage(n: number): Promise<void>;
  }
}

async function openClientPage(page: Page, port: number): Promise<void> {
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => window.t?.states.includes('connected'));
}

describe('@relais/client browser bundle in Chromium', () => {
  let browser: Browser;
  let bundle: string;

  beforeAll(async () => {
    [browser, bundle] = await Promise.all([launchChromium(), bundleClient()]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('connects, publishes, receives, and reconnects after the server restarts', async () => {
    let node: Node = await startNode(0, {}, servePage(bundle));
    const port = node.port;
    const page = await browser.newPage();
    // A Node client on the same channel sees what the page publishes.
    const watcher = new Client(`ws://127.0.0.1:${port}/connection/websocket`, {
      websocket: WebSocket,
      minReconnectDelayMs: 20,
      maxReconnectDelayMs: 100,
      window: null,
      document: null,
    });
    const seen: unknown[] = [];
    const watched = watcher.subscribe('room:browser');
    watched.on('publication', (pub) => seen.push(pub.data));
    try {
      watcher.connect();
      await openClientPage(page, port);
      await until(() => watched.state === 'subscribed', 'the watcher to subscribe');

      // Page -> server -> every subscriber, the page included.
      await page.evaluate(() => window.publishFromPage(1));
      await until(() => seen.length === 1, 'the page publication at the watcher');
      expect(seen).toEqual([{ from: 'page', n: 1 }]);
      // Server -> page.
      await node.relais.publish('room:browser', { from: 'server', n: 2 });
      await page.waitForFunction(() => window.t.received.length === 2);
      expect(await page.evaluate(() => window.t.received)).toEqual([
        { from: 'page', n: 1 },
        { from: 'server', n: 2 },
      ]);

      // The node dies without close frames; the page must notice and keep retrying.
      await killNode(node);
      await page.waitForFunction(() => window.t.states.at(-1) !== 'connected');
      node = await startNode(port, {}, servePage(bundle));
      await page.waitForFunction(() => window.t.states.filter((s) => s === 'connected').length === 2, undefined, { timeout: 15_000 });
      await until(() => watcher.state === 'connected' && watched.state === 'subscribed', 'the watcher to come back');

      // After the restart the page is resubscribed and both directions work again.
      await page.evaluate(() => window.publishFromPage(3));
      await until(() => seen.length === 3, 'the page publication after the restart');
      await node.relais.publish('room:browser', { from: 'server', n: 4 });
      await page.waitForFunction(() => window.t.received.length === 4);
      expect(await page.evaluate(() => window.t)).toMatchObject({
        acked: 2,
        received: [
          { from: 'page', n: 1 },
          { from: 'server', n: 2 },
          { from: 'page', n: 3 },
          { from: 'server', n: 4 },
        ],
      });
      await until(() => seen.length === 4, 'the last server publication at the watcher');
      expect(seen).toEqual([
        { from: 'page', n: 1 },
        { from: 'server', n: 2 },
        { from: 'page', n: 3 },
        { from: 'server', n: 4 },
      ]);
      const states = await page.evaluate(() => window.t.states);
      expect(states.slice(0, 2)).toEqual(['connecting', 'connected']);
      expect(states).toContain('disconnected');
    } finally {
      await page.close();
      watcher.close();
      if (node.http.listening) await killNode(node);
    }
  });
});

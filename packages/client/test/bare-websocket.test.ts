/**
 * The "Bare WebSocket" client of docs/protocol.md, run as written: its code block is read from
 * the markdown and served as the page's script by a real relais node, in headless Chromium. It
 * must connect, subscribe, publish (and get its own publication back), receive what the server
 * publishes, and answer the heartbeat's pings so that the node keeps it.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { killNode, startNode, until, type Node } from './nodes.js';

const PROTOCOL_MD = fileURLToPath(new URL('../../../docs/protocol.md', import.meta.url));

/** The first ```js block after the "### Bare WebSocket" heading. */
function bareClientCode(markdown: string): string {
  const section = markdown.split('\n### Bare WebSocket\n')[1];
  const code = section?.split('\n```js\n')[1]?.split('\n```\n')[0];
  if (!code) throw new Error('docs/protocol.md has no ```js block under "### Bare WebSocket"');
  return code;
}

function servePage(code: string) {
  const page = `<!doctype html>\n<meta charset="utf-8">\n<title>bare WebSocket</title>\n<script type="module">\n${code}\n</script>`;
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  };
}

describe('the bare WebSocket client of docs/protocol.md', () => {
  let browser: Browser;
  let node: Node | undefined;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('connects, subscribes, publishes, receives and answers pings in Chromium, as written', async () => {
    const code = bareClientCode(readFileSync(PROTOCOL_MD, 'utf8'));
    expect(code.split('\n').length).toBeLessThanOrEqual(40);
    // Pings every 100 ms; the pong timeout is generous so that a loaded machine cannot fail the
    // test: a page that does not answer is caught by the count of ping commands below.
    node = await startNode(0, { pingIntervalMs: 100, pongTimeoutMs: 10_000 }, servePage(code));
    const page = await browser.newPage();
    const logs: string[] = [];
    const errors: Error[] = [];
    page.on('console', (message) => logs.push(message.text()));
    page.on('pageerror', (error) => errors.push(error));
    try {
      await page.goto(`http://127.0.0.1:${node.port}/`);
      await until(() => logs.includes('chat:lobby {"text":"hello"}'), 'its own publication back', 30_000);
      await node.relais.publish('chat:lobby', { text: 'from the server' });
      await until(() => logs.includes('chat:lobby {"text":"from the server"}'), 'a server publication', 30_000);
      // Only a page that answers the ping pushes sends ping commands.
      await until(() => (node!.relais.stats().commands.ping ?? 0) >= 10, 'ten answered pings', 30_000);
      expect(node.relais.connections).toBe(1);
      expect(node.relais.stats().disconnects).toEqual({});
      expect(logs.filter((line) => line.startsWith('closed'))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await killNode(node);
    }
  }, 60_000);
});

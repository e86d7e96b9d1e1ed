/**
 * The click counter's two pages in headless Chromium, served by a real `relais serve` process:
 * the native page (`/counter/`, the relais SDK) and the Socket.IO page (`/counter/socketio.html`,
 * seed 001's client code with the real socket.io-client) show one count; clicks in each are seen
 * in the other.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium, startRelais } from './harness.js';
import { SCREENSHOTS_DIR } from './paths.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** What a page logged, Content-Security-Policy violations included (the apps are served with a strict one). */
function consoleOf(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (msg) => lines.push(msg.text()));
  return lines;
}

/** Origins the page requested anything from. */
function originsOf(page: Page): Set<string> {
  const origins = new Set<string>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.protocol.startsWith('http') || url.protocol.startsWith('ws')) origins.add(url.host);
  });
  return origins;
}

const nativeCount = (page: Page) => page.getByTestId('counter-value').textContent();
const sioCount = (page: Page) => page.getByTestId('sio-counter-value').textContent();

describe('the click counter as a Socket.IO page in Chromium', () => {
  it('shares one count with the native page: clicks in each are seen in the other', { timeout: 90_000 }, async () => {
    const relais = await startRelais();
    cleanup.push(() => relais.kill());
    const chromium = await launchChromium();
    cleanup.push(() => chromium.close());
    const native = await chromium.context.newPage();
    const sio = await chromium.context.newPage();
    const nativeConsole = consoleOf(native);
    const sioConsole = consoleOf(sio);
    const origins = originsOf(sio);

    await native.goto(`${relais.base}/counter/`);
    await sio.goto(`${relais.base}/counter/socketio.html`);
    await sio.locator('[data-testid="sio-connection-status"][data-state="connected"]').waitFor();
    await expect.poll(() => nativeCount(native)).toBe('0');
    await expect.poll(() => sioCount(sio)).toBe('0');
    // The seed's own client code ran: its connect listener logged.
    await expect.poll(() => sioConsole).toContain('Connected to server');

    for (let i = 0; i < 2; i++) await native.getByTestId('counter-button').click();
    await expect.poll(() => sioCount(sio)).toBe('2');
    await expect.poll(() => nativeCount(native)).toBe('2');

    for (let i = 0; i < 3; i++) await sio.locator('#button').click();
    await expect.poll(() => nativeCount(native)).toBe('5');
    await expect.poll(() => sioCount(sio)).toBe('5');

    await native.getByTestId('counter-button').click();
    await sio.locator('#button').click();
    await expect.poll(() => nativeCount(native)).toBe('7');
    await expect.poll(() => sioCount(sio)).toBe('7');
    // The seed's `click` listener saw each count the server emitted.
    await expect.poll(() => sioConsole.filter((line) => line.startsWith('Click count:'))).toContain('Click count: 7');

    // A Socket.IO page opened later starts from the current count, and its clicks reach both.
    const late = await chromium.context.newPage();
    await late.goto(`${relais.base}/counter/socketio.html`);
    await expect.poll(() => sioCount(late)).toBe('7');
    await late.locator('#button').click();
    await expect.poll(() => nativeCount(native)).toBe('8');
    await expect.poll(() => sioCount(sio)).toBe('8');
    await expect.poll(() => sioCount(late)).toBe('8');

    await mkdir(SCREENSHOTS_DIR, { recursive: true });
    await sio.screenshot({ path: join(SCREENSHOTS_DIR, 'counter-socketio.png') });
    // socket.io-client came with the page from relais itself (no CDN), and nothing broke the CSP.
    expect([...origins]).toEqual([new URL(relais.base).host]);
    for (const lines of [nativeConsole, sioConsole]) expect(lines.filter((line) => line.includes('Content Security Policy'))).toEqual([]);
  });
});

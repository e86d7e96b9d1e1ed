/**
 * The transports page in headless Chromium, served by a real `relais serve` process: polling,
 * long-polling, SSE and WebSocket receive the same ticks side by side, and every column fills
 * with plausible numbers.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium, startRelais } from './harness.js';
import { SCREENSHOTS_DIR } from './paths.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Row {
  technique: string;
  received: number;
  p50: number;
  p95: number;
  requests: number;
  bytes: number;
  missed: number;
}

describe('the transports page in Chromium', () => {
  it('runs polling, long-polling, SSE and WebSocket side by side with plausible numbers', { timeout: 90_000 }, async () => {
    const relais = await startRelais();
    cleanup.push(() => relais.kill());
    const chromium = await launchChromium();
    cleanup.push(() => chromium.close());
    const page = await chromium.context.newPage();
    const csp: string[] = [];
    const errors: string[] = [];
    page.on('console', (msg) => {
      if (msg.text().includes('Content Security Policy')) csp.push(msg.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${relais.base}/transports/`);
    const rows = (): Promise<Row[]> =>
      page.getByTestId('technique').evaluateAll((items) =>
        items.map((tr) => {
          const n = (name: string) => Number(tr.getAttribute(`data-${name}`) || NaN);
          return {
            technique: tr.getAttribute('data-technique') ?? '',
            received: n('received'),
            p50: n('p50'),
            p95: n('p95'),
            requests: n('requests'),
            bytes: n('bytes'),
            missed: n('missed'),
          };
        }),
      );
    // A few seconds of ticks (one every 250 ms): every technique has received some.
    await expect
      .poll(
        async () => {
          const all = await rows();
          return all.length === 4 && all.every((row) => row.received >= (row.technique === 'polling' ? 8 : 12)) ? 'ready' : errors;
        },
        { timeout: 45_000 },
      )
      .toBe('ready');
    const byName = Object.fromEntries((await rows()).map((row) => [row.technique, row]));
    expect(Object.keys(byName).sort()).toEqual(['long_poll', 'polling', 'sse', 'websocket']);
    for (const row of Object.values(byName)) {
      expect(row.p50, row.technique).toBeGreaterThanOrEqual(0);
      expect(row.p95, row.technique).toBeGreaterThanOrEqual(row.p50);
      expect(row.requests, row.technique).toBeGreaterThan(0);
      expect(row.bytes, row.technique).toBeGreaterThan(0);
    }
    // Pushed techniques deliver each tick well within the polling interval (1 s), and miss none.
    for (const name of ['long_poll', 'sse', 'websocket']) {
      expect(byName[name]!.p50, name).toBeLessThan(1_000);
      expect(byName[name]!.missed, name).toBe(0);
    }
    // Polling waits half an interval on average; a WebSocket needs far fewer requests.
    expect(byName.polling!.p50).toBeGreaterThan(byName.websocket!.p50);
    expect(byName.websocket!.requests).toBeLessThan(byName.polling!.requests);
    await mkdir(SCREENSHOTS_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'transports.png'), fullPage: true });
    expect(csp).toEqual([]);
  });
});

/**
 * The admin dashboard in headless Chromium, served by a real `relais serve` process: refused
 * without the password, then logged in, it sees a connection the test makes appear with its
 * numbers moving, publishes from the page to the test's subscriber, lists the channel, and
 * traces the test user's frames. Screenshots go to test-results/screenshots/, or to
 * docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { TestClient } from '@relais/server/testkit';
import { SignJWT } from 'jose';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium, startRelais } from './harness.js';
import { SCREENSHOTS_DIR } from './paths.js';

const PASSWORD = 'correct horse battery staple';
const AUTH_SECRET = 'the connection token secret, 32 bytes or more';
const DOC_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const SOON = { timeout: 15_000 };

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.UPDATE_SCREENSHOTS === '1' ? DOC_SCREENSHOTS : SCREENSHOTS_DIR;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, name), fullPage: true });
}

/** A WebSocket client of user `user` (a connection token signed with the node's secret). */
async function connectUser(base: string, user: string): Promise<TestClient> {
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(user).sign(new TextEncoder().encode(AUTH_SECRET));
  const client = await TestClient.open(`${base.replace('http', 'ws')}/connection/websocket`, { protocols: JSON_SUBPROTOCOL });
  cleanup.push(() => client.close());
  await client.call('connect', { token, data: { name: user } });
  return client;
}

const nodeNumber = (page: Page, name: string) =>
  page
    .getByTestId('node')
    .first()
    .getAttribute(`data-${name}`)
    .then((value) => Number(value));

describe('the admin dashboard in Chromium', () => {
  it('refuses without the password, then shows, acts on and traces a live connection', { timeout: 90_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relais-admin-e2e-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const config = join(dir, 'relais.json');
    await writeFile(config, JSON.stringify({ demo: true, auth: { hmacSecret: AUTH_SECRET }, admin: { password: PASSWORD } }));
    const relais = await startRelais(0, config);
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

    // Refused without the password: the page asks for it, a wrong one is refused, the routes answer 401.
    await page.goto(`${relais.base}/admin/`);
    await page.getByTestId('login').waitFor();
    expect(await page.evaluate(async () => (await fetch('/admin/api/nodes')).status)).toBe(401);
    await page.getByTestId('login-secret').fill('not the password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent(), SOON).toContain('wrong password');
    await page.getByTestId('login-secret').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('page-overview').waitFor();
    await expect.poll(() => page.getByTestId('node').count(), SOON).toBe(1);

    // A connection made by the test appears, and its traffic moves the node's numbers.
    const before = await nodeNumber(page, 'messages-in');
    const ada = await connectUser(relais.base, 'ada');
    await ada.call('subscribe', { channel: 'chat:lobby' });
    await expect.poll(() => nodeNumber(page, 'connections'), SOON).toBe(1);
    const traffic = setInterval(() => void ada.call('publish', { channel: 'chat:lobby', data: { text: 'tick' } }).catch(() => {}), 200);
    cleanup.push(async () => clearInterval(traffic));
    await expect.poll(() => nodeNumber(page, 'messages-in'), SOON).toBeGreaterThan(before + 5);
    const later = await nodeNumber(page, 'messages-in');
    await expect.poll(() => nodeNumber(page, 'messages-in'), SOON).toBeGreaterThan(later);
    await expect.poll(() => page.getByTestId('chart').count()).toBe(4);
    await screenshot(page, 'admin-overview.png');

    // The channel is listed with its subscriber, filterable; its presence and history show.
    await page.getByTestId('nav-channels').click();
    const lobby = page.locator('[data-testid="channel"][data-channel="chat:lobby"]');
    await expect.poll(() => lobby.getAttribute('data-subscribers'), SOON).toBe('1');
    await page.getByTestId('channel-filter').fill('nothing-like-it');
    await expect.poll(() => lobby.count(), SOON).toBe(0);
    await page.getByTestId('channel-filter').fill('lobby');
    await lobby.getByRole('button').click();
    await expect.poll(() => page.getByTestId('presence').textContent(), SOON).toContain('ada');
    await expect.poll(() => page.getByTestId('history').locator('li').count(), SOON).toBeGreaterThan(1);
    await screenshot(page, 'admin-channels.png');
    clearInterval(traffic);

    // Publish from the page: the test's subscriber gets it.
    await page.getByTestId('nav-actions').click();
    await page.getByTestId('publish-channel').fill('chat:lobby');
    await page.getByTestId('publish-data').fill('{"text": "from the dashboard"}');
    await page.getByTestId('publish-submit').click();
    const pushed = await ada.nextPush(
      (push) => push.type === 'publication' && (push.data as { text?: string }).text === 'from the dashboard',
    );
    expect(pushed).toMatchObject({ channel: 'chat:lobby' });
    await expect.poll(() => page.getByTestId('action-outcome').textContent(), SOON).toContain('published to chat:lobby');

    // Trace the user's frames: the commands it sends and what it gets back show live.
    await page.getByTestId('nav-tracing').click();
    await page.getByTestId('trace-target').fill('ada');
    await page.getByTestId('trace-start').click();
    await expect.poll(() => page.getByTestId('trace-status').getAttribute('data-status'), SOON).toBe('live');
    await expect.poll(async () => (await fetchTraces(page)).every((count) => count === 1), SOON).toBe(true);
    await ada.call('publish', { channel: 'chat:lobby', data: { text: 'traced' } });
    await ada.call('presence', { channel: 'chat:lobby' });
    const frames = page.getByTestId('trace-frame');
    await expect.poll(() => frames.filter({ hasText: '"traced"' }).count(), SOON).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="trace-frame"][data-kind="command"]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="trace-frame"][data-kind="reply"]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="trace-frame"][data-kind="push"]').count()).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'admin-tracing.png');
    // Stopping ends the trace on the node.
    await page.getByTestId('trace-stop').click();
    await expect.poll(async () => (await fetchTraces(page)).every((count) => count === 0), SOON).toBe(true);

    // Logging out ends the session: the routes refuse again.
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    expect(await page.evaluate(async () => (await fetch('/admin/api/nodes')).status)).toBe(401);
    expect(csp).toEqual([]);
    expect(errors).toEqual([]);
  });
});

/** The traces each node runs, asked from the page (with its session). */
function fetchTraces(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const answer = (await (await fetch('/admin/api/nodes')).json()) as { nodes: { traces: number }[] };
    return answer.nodes.map((node) => node.traces);
  });
}

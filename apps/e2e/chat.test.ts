/**
 * The chat and the counter in headless Chromium, served by a real `relais serve` process:
 * two pages chat both ways, see each other online and typing; a third joins and loads the
 * history; the server is killed and restarted on the same port while they send (its memory
 * engine loses the history, so recovery fails and the pages reload it); the counter stays in
 * sync. Screenshots go to test-results/screenshots/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium, startRelais, type RelaisProcess } from './harness.js';
import { SCREENSHOTS_DIR } from './paths.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(port = 0, config?: string): Promise<RelaisProcess> {
  const relais = await startRelais(port, config);
  cleanup.push(() => relais.kill());
  return relais;
}

async function browser() {
  const chromium = await launchChromium();
  cleanup.push(() => chromium.close());
  return chromium;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS_DIR, name) });
}

/** Content-Security-Policy violations the page reported (the apps are served with a strict one). */
function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) found.push(msg.text());
  });
  return found;
}

/** Bound of a wait for something another page or the server does (the machine may be busy). */
const SOON = { timeout: 15_000 };

/** Opens the chat (at `room`, when given) and picks a display name (Enter submits). */
async function signIn(page: Page, base: string, name: string, room?: string): Promise<void> {
  await page.goto(room === undefined ? base : `${base}/#${room}`);
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('name-input').press('Enter');
  await page.getByTestId('connection-status').and(page.locator('[data-state="connected"]')).waitFor();
}

const messages = (page: Page) => page.getByTestId('message-list').getByTestId('message');
const message = (page: Page, text: string) =>
  messages(page).filter({ has: page.getByTestId('message-text').getByText(text, { exact: true }) });
const status = (page: Page) => page.getByTestId('connection-status');
/** Resolves once the page's active room is `room` and its subscription is active. */
const inRoom = (page: Page, room: string) =>
  page.locator(`[data-testid="room-view"][data-room="${room}"][data-subscription="subscribed"]`).waitFor();
/** Display names in the room's presence list. */
const online = (page: Page) =>
  page
    .getByTestId('presence-list')
    .getByTestId('presence-user')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-name')));
const typing = (page: Page) => page.getByTestId('typing-indicator').textContent();

/** Types `text` into the message input (one input event: a typing notice) without sending it. */
async function draft(page: Page, text: string): Promise<void> {
  await page.getByTestId('message-input').fill(text);
}

async function send(page: Page, text: string): Promise<void> {
  await draft(page, text);
  await page.getByTestId('message-input').press('Enter');
}

/** Messages of the active room as [author, text] pairs. */
async function conversation(page: Page): Promise<[string, string][]> {
  return messages(page).evaluateAll((items) =>
    items.map((li) => [
      li.querySelector('[data-testid="message-author"]')?.textContent ?? '',
      li.querySelector('[data-testid="message-text"]')?.textContent ?? '',
    ]),
  ) as Promise<[string, string][]>;
}

describe('the chat in Chromium', () => {
  it(
    'chats both ways with presence, typing and history, survives a server kill and restart on the same port, and never duplicates',
    { timeout: 180_000 },
    async () => {
      let relais = await server();
      const { port, base } = relais;
      const { context } = await browser();
      const ada = await context.newPage();
      const bob = await context.newPage();
      await bob.setViewportSize({ width: 390, height: 760 }); // a phone
      await ada.setViewportSize({ width: 1100, height: 700 });
      const violations = [...[ada, bob].map(cspViolations)];
      await signIn(ada, base, 'Ada');
      await signIn(bob, base, 'Bob');

      // Ada creates a room (Enter creates and joins); Bob sees it appear in his list and joins it.
      await ada.getByTestId('room-list').getByTestId('room').first().waitFor();
      await ada.getByTestId('room-input').fill('Tea Room');
      await ada.getByTestId('room-input').press('Enter');
      await ada.locator('[data-testid="room"][aria-current="true"][data-room="tea-room"]').waitFor();
      await bob.getByTestId('room-list').locator('[data-testid="room"][data-room="tea-room"]').click();
      await bob.locator('[data-testid="room"][aria-current="true"][data-room="tea-room"]').waitFor();
      await inRoom(ada, 'tea-room');
      await inRoom(bob, 'tea-room');
      await expect.poll(() => bob.locator('#room-title').textContent()).toBe('#tea-room');
      // Both see both online: a presence snapshot, then Bob's join pushed to Ada.
      for (const page of [ada, bob]) await expect.poll(() => online(page), SOON).toEqual(['Ada', 'Bob']);

      // Both ways: Enter in the input, and the send button.
      await send(ada, 'Hello Bob');
      await message(bob, 'Hello Bob').waitFor();
      await draft(bob, 'Hi Ada <b>bold?</b> <img src=x onerror="window.__pwned=1">');
      await bob.getByTestId('send-button').click();
      await message(ada, 'Hi Ada <b>bold?</b> <img src=x onerror="window.__pwned=1">').waitFor();
      expect(await conversation(ada)).toEqual([
        ['Ada', 'Hello Bob'],
        ['Bob', 'Hi Ada <b>bold?</b> <img src=x onerror="window.__pwned=1">'],
      ]);
      // User text is text: no element was made from it, no handler ran.
      expect(await ada.getByTestId('message-list').locator('img, b').count()).toBe(0);
      expect(await ada.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await ada.getByTestId('message-list').locator('time').first().getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
      await expect.poll(() => ada.getByTestId('stats-panel').textContent()).toMatch(/Messages in \/ out\s*[1-9]\d* \/ [1-9]\d*/);

      // A third page joins later: it loads the room's history and sees who is online.
      const cy = await context.newPage();
      violations.push(cspViolations(cy));
      await signIn(cy, base, 'Cy', 'tea-room');
      await inRoom(cy, 'tea-room');
      await expect.poll(() => conversation(cy), SOON).toEqual(await conversation(ada));
      await expect.poll(() => online(cy), SOON).toEqual(['Ada', 'Bob', 'Cy']);
      for (const page of [ada, bob]) await expect.poll(() => online(page), SOON).toEqual(['Ada', 'Bob', 'Cy']);

      // Typing shows on the other pages, and stops with the message.
      await draft(bob, 'Tea, anyone?');
      for (const page of [ada, cy]) await expect.poll(() => typing(page), SOON).toBe('Bob is typing…');
      await screenshot(ada, 'chat.png');
      await screenshot(bob, 'chat-phone.png');
      await bob.getByTestId('message-input').press('Enter');
      for (const page of [ada, cy]) {
        await message(page, 'Tea, anyone?').waitFor();
        await expect.poll(() => typing(page), SOON).toBe('');
      }
      // A draft that is never sent: the notice expires on its own.
      await draft(cy, 'hmm');
      await expect.poll(() => typing(ada), SOON).toBe('Cy is typing…');
      await expect.poll(() => typing(ada), { timeout: 20_000 }).toBe('');
      await draft(cy, '');

      // Cy leaves: the others see it.
      await cy.close();
      for (const page of [ada, bob]) await expect.poll(() => online(page), SOON).toEqual(['Ada', 'Bob']);
      expect(await ada.getByTestId('history-notice').count()).toBe(0);
      expect(violations.flat()).toEqual([]);
      // The stylesheet applied under that policy.
      expect(await ada.getByTestId('send-button').evaluate((el) => getComputedStyle(el).borderRadius)).not.toBe('0px');

      // The server dies: no close frame, the port is free.
      await relais.kill();
      for (const page of [ada, bob]) {
        await expect.poll(() => status(page).textContent(), { timeout: 20_000 }).toContain('reconnecting');
      }
      // The countdown to the next attempt.
      await expect.poll(() => status(ada).textContent(), { timeout: 20_000 }).toMatch(/disconnected · reconnecting in \d+ s/);
      expect(await status(ada).getAttribute('data-state')).not.toBe('connected');

      // Messages typed during the outage wait in the offline queue.
      const outage = new Map([
        [ada, ['sent while the server was down 1', 'sent while the server was down 2']],
        [bob, ['Bob, offline too']],
      ]);
      for (const [page, texts] of outage) for (const text of texts) await send(page, text);
      await expect.poll(() => ada.getByTestId('pending-message').count()).toBe(2);
      await expect.poll(() => ada.getByTestId('pending-message').first().textContent()).toContain('queued');
      await screenshot(ada, 'chat-offline.png');

      // A new process: the memory engine lost the history, the rooms' streams have a new epoch.
      relais = await server(port);
      // Each page retries on its own backoff: wait until both are back before looking at either.
      for (const page of [ada, bob]) {
        await expect.poll(() => status(page).getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
        await inRoom(page, 'tea-room');
      }
      for (const page of [ada, bob]) {
        // Recovery was impossible: the page says so, and reloaded what the server has.
        expect(await page.getByTestId('room-view').getAttribute('data-recovered')).toBe('false');
        await expect
          .poll(() => page.getByTestId('history-notice').textContent(), SOON)
          .toMatch(/^History could not be recovered after the reconnection: reloaded the last \d+ messages from the server\./);
        await expect.poll(() => online(page), SOON).toEqual(['Ada', 'Bob']);
      }
      // Both are back in the room: a new message reaches both.
      await send(ada, 'back online');
      const everyOutageMessage = [...outage.values()].flat();
      for (const page of [ada, bob]) {
        await message(page, 'back online').waitFor();
        // Every message sent during the outage, from either page's queue, reached both pages once:
        // live, or from the history reloaded after the failed recovery.
        for (const text of everyOutageMessage) await message(page, text).waitFor();
        await expect.poll(() => page.getByTestId('pending-message').count(), SOON).toBe(0);
        const texts = (await conversation(page)).map(([, text]) => text);
        for (const text of [...everyOutageMessage, 'back online', 'Hello Bob', 'Tea, anyone?'])
          expect(
            texts.filter((t) => t === text),
            text,
          ).toHaveLength(1);
        expect(texts).toHaveLength(7);
        expect(texts.indexOf('sent while the server was down 1')).toBeLessThan(texts.indexOf('sent while the server was down 2'));
        await expect.poll(() => page.getByTestId('stats-reconnects').textContent()).toBe('1');
      }
    },
  );

  it(
    'works over HTTP streaming where WebSockets are unavailable: messages, presence, typing, recovery after a restart',
    { timeout: 120_000 },
    async () => {
      let relais = await server();
      const { port, base } = relais;
      const { context } = await browser();
      const ada = await context.newPage();
      const bob = await context.newPage();
      // Bob's browser has no WebSocket at all (a proxy that strips upgrades looks the same to it).
      await bob.addInitScript(() => {
        delete (window as { WebSocket?: unknown }).WebSocket;
      });
      const violations = [ada, bob].map(cspViolations);
      await signIn(ada, base, 'Ada', 'lobby');
      await signIn(bob, base, 'Bob', 'lobby');
      await expect.poll(() => bob.getByTestId('stats-transport').getAttribute('data-transport')).toBe('http_stream');
      await expect.poll(() => ada.getByTestId('stats-transport').getAttribute('data-transport')).toBe('websocket');
      for (const page of [ada, bob]) {
        await inRoom(page, 'lobby');
        await expect.poll(() => online(page), SOON).toEqual(['Ada', 'Bob']);
      }
      await send(bob, 'Hello over HTTP');
      await message(ada, 'Hello over HTTP').waitFor();
      await send(ada, 'Hello over WebSocket');
      await message(bob, 'Hello over WebSocket').waitFor();
      await draft(bob, 'typing over HTTP');
      await expect.poll(() => typing(ada), SOON).toBe('Bob is typing…');
      await bob.getByTestId('message-input').press('Enter');
      await message(ada, 'typing over HTTP').waitFor();
      await screenshot(bob, 'chat-http-stream.png');

      // A restart: the stream ends, Bob reconnects over HTTP, the room reloads what the server has.
      await relais.kill();
      await expect.poll(() => status(bob).getAttribute('data-state'), { timeout: 20_000 }).not.toBe('connected');
      await send(bob, 'queued while down');
      relais = await server(port);
      for (const page of [ada, bob]) {
        await expect.poll(() => status(page).getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
        await inRoom(page, 'lobby');
      }
      await message(ada, 'queued while down').waitFor();
      await send(ada, 'after the restart');
      await message(bob, 'after the restart').waitFor();
      expect((await conversation(bob)).filter(([, text]) => text === 'queued while down')).toHaveLength(1);
      expect(await bob.getByTestId('stats-transport').getAttribute('data-transport')).toBe('http_stream');
      expect(violations.flat()).toEqual([]);
    },
  );

  it('recovers what a page missed while its connection was down, without reloading', { timeout: 120_000 }, async () => {
    const { base } = await server();
    const { context } = await browser();
    const ada = await context.newPage();
    const bob = await context.newPage();
    // Bob's page can lose its connection on demand: the open socket is closed, and new ones go
    // to a closed port until __offline is false again (the server itself stays up).
    await bob.addInitScript(() => {
      const state = window as unknown as { __offline: boolean; __sockets: WebSocket[] };
      const Native = window.WebSocket;
      state.__offline = false;
      state.__sockets = [];
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(state.__offline ? 'ws://127.0.0.1:9/' : url, protocols);
          state.__sockets.push(this);
        }
      };
    });
    const violations = [ada, bob].map(cspViolations);
    await signIn(ada, base, 'Ada', 'lobby');
    await signIn(bob, base, 'Bob', 'lobby');
    for (const page of [ada, bob]) await inRoom(page, 'lobby');
    await send(ada, 'before the cut');
    await message(bob, 'before the cut').waitFor();

    await bob.evaluate(() => {
      const state = window as unknown as { __offline: boolean; __sockets: WebSocket[] };
      state.__offline = true;
      state.__sockets.at(-1)?.close();
    });
    await expect.poll(() => status(bob).textContent(), SOON).toContain('reconnecting');
    await expect.poll(() => online(ada), SOON).toEqual(['Ada']);
    const missed = ['while Bob was away 1', 'while Bob was away 2'];
    for (const text of missed) await send(ada, text);
    for (const text of missed) await message(ada, text).waitFor();

    await bob.evaluate(() => ((window as unknown as { __offline: boolean }).__offline = false));
    await expect.poll(() => status(bob).getAttribute('data-state'), { timeout: 30_000 }).toBe('connected');
    await inRoom(bob, 'lobby');
    for (const text of missed) await message(bob, text).waitFor();
    await send(ada, 'after the cut');
    await message(bob, 'after the cut').waitFor();
    // Recovered: the missed messages came once each, in order, and no reload was needed.
    expect((await conversation(bob)).map(([, text]) => text)).toEqual(['before the cut', ...missed, 'after the cut']);
    expect(await bob.getByTestId('room-view').getAttribute('data-recovered')).toBe('true');
    expect(await bob.getByTestId('history-notice').count()).toBe(0);
    await expect.poll(() => online(ada), SOON).toEqual(['Ada', 'Bob']);
    expect(violations.flat()).toEqual([]);
  });

  it('says clearly when sending is rate limited', { timeout: 90_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relais-e2e-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const config = join(dir, 'relais.json');
    await writeFile(config, JSON.stringify({ demo: { rateLimitBurst: 2, rateLimitPerSecond: 0.01 } }));
    const { base } = await server(0, config);
    const { context } = await browser();
    const page = await context.newPage();
    await signIn(page, base, 'Speedy');
    await page.locator('[data-testid="room-view"][data-subscription="subscribed"]').waitFor();
    for (const text of ['one', 'two', 'three']) {
      await page.getByTestId('message-input').fill(text);
      await page.getByTestId('message-input').press('Enter');
    }
    await message(page, 'two').waitFor();
    const failed = page.locator('[data-testid="pending-message"][data-status="failed"]');
    await expect.poll(() => failed.textContent()).toContain('Rate limited: too many messages');
    expect(await failed.getByRole('alert').textContent()).toMatch(/^Rate limited: too many messages: wait \d+ s before sending again\.$/);
    expect(await message(page, 'three').count()).toBe(0);
  });
});

describe('the click counter in Chromium', () => {
  it('shows the same global count on every page, live', { timeout: 90_000 }, async () => {
    const { base } = await server();
    const { context } = await browser();
    const first = await context.newPage();
    const second = await context.newPage();
    const violations = cspViolations(first);
    await first.goto(`${base}/counter`); // redirected to /counter/
    await second.goto(`${base}/counter/`);
    expect(new URL(first.url()).pathname).toBe('/counter/');
    const value = (page: Page) => page.getByTestId('counter-value').textContent();
    for (const page of [first, second]) await expect.poll(() => value(page)).toBe('0');

    for (let i = 0; i < 3; i++) await first.getByTestId('counter-button').click();
    for (const page of [first, second]) await expect.poll(() => value(page)).toBe('3');
    await second.getByTestId('counter-button').click();
    for (const page of [first, second]) await expect.poll(() => value(page)).toBe('4');

    // A page opened later starts from the current count.
    const third = await context.newPage();
    await third.goto(`${base}/counter/`);
    await expect.poll(() => value(third)).toBe('4');
    await screenshot(first, 'counter.png');
    expect(violations).toEqual([]);
  });
});

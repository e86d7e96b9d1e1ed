/**
 * The mood board's Supabase page (seed 004's client code with the real supabase-js) and its
 * native page in headless Chromium, live on one table, served by a real `relais serve` whose
 * change feed reads the real PostgreSQL (a database of its own, since the seed's table is
 * `public.humeur`, and a slot of its own; both dropped after the test). A vote on either page
 * shows on both; the Supabase page loses its socket (closed, and new ones fail until the test
 * lets them through): the seed's status line says "Erreur de connexion", then "Connecté" again,
 * and the vote made on the native page meanwhile shows up (the page reads the rows again on
 * SUBSCRIBED).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium, startRelais } from './harness.js';
import { SCREENSHOTS_DIR } from './paths.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONNECTED = 'Connecté - Synchronisation temps réel';
const ERROR = 'Erreur de connexion';
const DISCONNECTED = 'Déconnecté';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A database and a config file for a node with the demo, the change feed, the board and the Supabase front-end; dropped after the test. */
async function supabaseBoardConfig(admin: pg.Client, extra: Record<string, unknown> = {}): Promise<{ path: string; db: pg.Client }> {
  const id = randomBytes(5).toString('hex');
  const database = `relais_sbmood_${id}`;
  const slot = `relais_sbmood_s_${id}`;
  await admin.query(`CREATE DATABASE "${database}"`);
  const url = new URL(DATABASE_URL);
  url.pathname = `/${database}`;
  cleanup.push(async () => {
    // The server is killed first (cleanup runs in reverse), so its walsender goes away.
    await admin.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      slot,
    ]);
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await admin.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [slot]);
      if (rows.length === 0) break;
      if (!rows[0]!.active) {
        await admin.query('SELECT pg_drop_replication_slot($1)', [slot]);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  });
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  cleanup.push(() => db.end());
  const dir = await mkdtemp(join(tmpdir(), 'relais-sbmood-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'relais.json');
  const config = {
    demo: true,
    postgres: { url: url.toString(), slot },
    // The board's table is the seed's, `humeur`; the Supabase page inserts into it.
    supabase: { restInsert: ['humeur'] },
    ...extra,
  };
  await writeFile(path, JSON.stringify(config));
  return { path, db };
}

function watch(page: Page, base: string): { problems: string[] } {
  const found = { problems: [] as string[] };
  page.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) found.problems.push(msg.text());
  });
  page.on('pageerror', (error) => found.problems.push(error.message));
  // Everything the page loads comes from relais itself: supabase-js is bundled, no CDN.
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith(base.replace('http', 'ws')) && !url.startsWith('data:'))
      found.problems.push(`request to ${url}`);
  });
  return found;
}

const moods = (page: Page) =>
  page
    .getByTestId('mood')
    .evaluateAll((items) => items.map((li) => `${li.getAttribute('data-emoji')} ${li.querySelector('.author')?.textContent}`));

async function vote(page: Page, author: string, emoji: string): Promise<void> {
  await page.getByTestId('author').fill(author);
  await page.locator(`[data-testid="mood-button"][data-emoji="${emoji}"]`).click();
}

describe('the mood board as a Supabase page in Chromium', () => {
  it('shares the table with the native page, and gets back what it missed while its socket was cut', { timeout: 120_000 }, async () => {
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    cleanup.push(() => admin.end());
    const { path, db } = await supabaseBoardConfig(admin);
    const relais = await startRelais(0, path);
    cleanup.push(() => relais.kill());
    const chromium = await launchChromium();
    cleanup.push(() => chromium.close());

    const native = await chromium.context.newPage();
    const sb = await chromium.context.newPage();
    // The Supabase page can lose its socket on demand: the open one is closed, and new ones go
    // to a closed port until __offline is false again (the server itself stays up).
    await sb.addInitScript(() => {
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
    const watched = [watch(native, relais.base), watch(sb, relais.base)];
    await native.goto(`${relais.base}/moodboard/`);
    await sb.goto(`${relais.base}/moodboard/supabase.html`);
    await expect.poll(() => native.getByTestId('board-status').getAttribute('data-state')).toBe('live');
    await expect.poll(() => sb.getByTestId('mode-text').textContent()).toBe(CONNECTED);

    // A vote on the Supabase page (a PostgREST insert) shows on both; one on the native page (an RPC) too.
    await vote(sb, 'Sam', '🚀');
    for (const page of [native, sb]) await expect.poll(() => moods(page)).toEqual(['🚀 Sam']);
    await vote(native, 'Ada', '🥳');
    for (const page of [native, sb]) await expect.poll(() => moods(page)).toEqual(['🥳 Ada', '🚀 Sam']);
    const { rows } = await db.query<{ author: string }>('SELECT author FROM humeur ORDER BY id');
    expect(rows.map((r) => r.author)).toEqual(['Sam', 'Ada']);

    await mkdir(SCREENSHOTS_DIR, { recursive: true });
    await sb.screenshot({ path: join(SCREENSHOTS_DIR, 'moodboard-supabase.png'), fullPage: true });

    // Every text the seed's status line shows from now on.
    await sb.getByTestId('mode-text').evaluate((element) => {
      const seen: string[] = [];
      (window as unknown as { modeTexts: string[] }).modeTexts = seen;
      new MutationObserver(() => {
        if (seen.at(-1) !== element.textContent) seen.push(element.textContent ?? '');
      }).observe(element, { childList: true, characterData: true, subtree: true });
    });
    const shown = () => sb.evaluate(() => (window as unknown as { modeTexts: string[] }).modeTexts);

    // The cut: the Supabase page's socket closes and cannot reopen. A vote on the native page now.
    await sb.evaluate(() => {
      const state = window as unknown as { __offline: boolean; __sockets: WebSocket[] };
      state.__offline = true;
      state.__sockets.at(-1)?.close();
    });
    await expect.poll(shown).toContain(ERROR);
    await vote(native, 'Ada', '😴');
    await expect.poll(() => moods(native)).toEqual(['😴 Ada', '🥳 Ada', '🚀 Sam']);
    expect(await moods(sb)).toEqual(['🥳 Ada', '🚀 Sam']);

    // The seed's manager reconnects (1–2 s after the error): it removes the errored channel
    // ("Déconnecté") and joins a new one. Only then is the page let through, so that realtime-js
    // cannot rejoin the old channel first and have the manager swap it right after.
    await expect.poll(shown, { timeout: 10_000 }).toContain(DISCONNECTED);

    // Back: the new channel is SUBSCRIBED, and the page reads the rows again.
    await sb.evaluate(() => ((window as unknown as { __offline: boolean }).__offline = false));
    await expect.poll(() => sb.getByTestId('mode-text').textContent(), { timeout: 60_000 }).toBe(CONNECTED);
    await expect.poll(() => moods(sb)).toEqual(['😴 Ada', '🥳 Ada', '🚀 Sam']);
    // ["Erreur de connexion", "Déconnecté", "Connecté - …"], with more error and disconnected
    // steps when a new channel's join times out while the page is still cut off.
    const texts = await shown();
    expect(texts.slice(0, 2)).toEqual([ERROR, DISCONNECTED]);
    expect(texts.at(-1)).toBe(CONNECTED);
    expect(texts.filter((t) => ![ERROR, DISCONNECTED, CONNECTED].includes(t))).toEqual([]);

    // Live again both ways, each vote once.
    await vote(sb, 'Sam', '🤯');
    await expect.poll(() => moods(native)).toEqual(['🤯 Sam', '😴 Ada', '🥳 Ada', '🚀 Sam']);
    await vote(native, 'Ada', '❤️');
    const all = ['❤️ Ada', '🤯 Sam', '😴 Ada', '🥳 Ada', '🚀 Sam'];
    for (const page of [native, sb]) await expect.poll(() => moods(page)).toEqual(all);

    // A PostgREST insert the board's rules refuse (the table's CHECK constraints): PostgREST's error, no row.
    const refused = await fetch(`${relais.base}/rest/v1/humeur`, {
      method: 'POST',
      headers: { apikey: 'anon', 'content-type': 'application/json' },
      body: JSON.stringify({ emoji: '🐍', author: 'Eve' }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: '23514' });
    expect((await db.query('SELECT count(*)::int AS n FROM humeur')).rows).toEqual([{ n: all.length }]);
    expect(watched.flatMap((w) => w.problems)).toEqual([]);
  });

  it('takes the anon key from ?apikey= on a node with auth, and says so when the key is refused', { timeout: 60_000 }, async () => {
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    cleanup.push(() => admin.end());
    const secret = randomBytes(32).toString('hex');
    const { path } = await supabaseBoardConfig(admin, { auth: { hmacSecret: secret } });
    const relais = await startRelais(0, path);
    cleanup.push(() => relais.kill());
    const chromium = await launchChromium();
    cleanup.push(() => chromium.close());
    const anonKey = await new SignJWT({ role: 'anon' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));

    const sb = await chromium.context.newPage();
    const watched = watch(sb, relais.base);
    await sb.goto(`${relais.base}/moodboard/supabase.html?apikey=${anonKey}`);
    await expect.poll(() => sb.getByTestId('mode-text').textContent()).toBe(CONNECTED);
    await vote(sb, 'Sam', '😎');
    await expect.poll(() => moods(sb)).toEqual(['😎 Sam']);
    expect(watched.problems).toEqual([]);

    // Without it the page's key is `anon`, which this node's verifier refuses: the join fails.
    const refused = await chromium.context.newPage();
    await refused.goto(`${relais.base}/moodboard/supabase.html`);
    await expect.poll(() => refused.getByTestId('mode-text').textContent()).toBe(ERROR);
    await refused.close();
  });
});

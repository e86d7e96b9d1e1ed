/**
 * The mood board in headless Chromium, served by a real `relais serve` process whose change
 * feed reads the real PostgreSQL at DATABASE_URL (unique table, slot, publication and registry
 * names, dropped after the test): a mood posted on one page appears on the other, a page opened
 * later loads the moods from its snapshot; after the server is killed and restarted both pages
 * say reconnecting, then live, and show the moods posted meanwhile; when the server's feed loses
 * Postgres, the page says reconnecting, then live.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { launchChromium, startRelais } from './harness.js';
import { SCREENSHOTS_DIR } from './paths.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A config file for a node with the demo, a change feed and the board on names of its own; dropped after the test. */
async function boardConfig(db: pg.Client): Promise<{ path: string; table: string; slot: string }> {
  const id = randomBytes(5).toString('hex');
  const names = { table: `humeur_e2e_${id}`, slot: `relais_s_${id}`, publication: `relais_p_${id}`, registry: `relais_r_${id}` };
  cleanup.push(async () => {
    // The server is killed first (cleanup runs in reverse), so its walsender goes away.
    await db.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
      names.slot,
    ]);
    for (let attempt = 0; attempt < 100; attempt++) {
      const { rows } = await db.query<{ active: boolean }>('SELECT active FROM pg_replication_slots WHERE slot_name = $1', [names.slot]);
      if (rows.length === 0) break;
      if (!rows[0]!.active) {
        await db.query('SELECT pg_drop_replication_slot($1)', [names.slot]);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await db.query(`DROP PUBLICATION IF EXISTS "${names.publication}"`);
    await db.query(`DROP TABLE IF EXISTS "${names.table}", "${names.registry}"`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'relais-moodboard-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'relais.json');
  const config = {
    demo: true,
    // No tables: the board adds its own.
    postgres: { url: DATABASE_URL, slot: names.slot, publication: names.publication, registryTable: names.registry },
    moodboard: { table: names.table },
  };
  await writeFile(path, JSON.stringify(config));
  return { path, table: names.table, slot: names.slot };
}

function watch(page: Page): { csp: string[]; errors: string[] } {
  const found = { csp: [] as string[], errors: [] as string[] };
  page.on('console', (msg) => {
    if (msg.text().includes('Content Security Policy')) found.csp.push(msg.text());
  });
  page.on('pageerror', (error) => found.errors.push(error.message));
  return found;
}

const status = (page: Page) => page.getByTestId('board-status');
const moods = (page: Page) =>
  page
    .getByTestId('mood')
    .evaluateAll((items) => items.map((li) => `${li.getAttribute('data-emoji')} ${li.querySelector('.author')?.textContent}`));

async function post(page: Page, author: string, emoji: string): Promise<void> {
  await page.getByTestId('author').fill(author);
  await page.locator(`[data-testid="mood-button"][data-emoji="${emoji}"]`).click();
}

describe('the mood board in Chromium', () => {
  it('shows every mood live on every page, from the snapshot and the stream, across a server restart', { timeout: 120_000 }, async () => {
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    cleanup.push(() => db.end());
    const { path, table, slot } = await boardConfig(db);
    let relais = await startRelais(0, path);
    cleanup.push(() => relais.kill());
    const chromium = await launchChromium();
    cleanup.push(() => chromium.close());

    const ada = await chromium.context.newPage();
    const bob = await chromium.context.newPage();
    const watched = [watch(ada), watch(bob)];
    await Promise.all([ada.goto(`${relais.base}/moodboard/`), bob.goto(`${relais.base}/moodboard/`)]);
    for (const page of [ada, bob]) await expect.poll(() => status(page).getAttribute('data-state')).toBe('live');

    // A mood posted on one page appears on both, through the table and the change feed.
    await post(ada, 'Ada', '🥳');
    await expect.poll(() => moods(bob)).toEqual(['🥳 Ada']);
    await post(bob, 'Bob', '🤔');
    for (const page of [ada, bob]) await expect.poll(() => moods(page)).toEqual(['🤔 Bob', '🥳 Ada']);
    const { rows } = await db.query<{ author: string }>(`SELECT author FROM "${table}" ORDER BY id`);
    expect(rows.map((r) => r.author)).toEqual(['Ada', 'Bob']);

    // A row written by anyone else (SQL here) is shown too; a page opened now gets it all from its snapshot.
    await db.query(`INSERT INTO "${table}" (emoji, author) VALUES ('🚀', 'psql')`);
    await expect.poll(() => moods(ada)).toEqual(['🚀 psql', '🤔 Bob', '🥳 Ada']);
    const cy = await chromium.context.newPage();
    watched.push(watch(cy));
    await cy.goto(`${relais.base}/moodboard/`);
    await expect.poll(() => status(cy).getAttribute('data-state')).toBe('live');
    expect(await moods(cy)).toEqual(['🚀 psql', '🤔 Bob', '🥳 Ada']);
    await cy.close();

    await mkdir(SCREENSHOTS_DIR, { recursive: true });
    await ada.screenshot({ path: join(SCREENSHOTS_DIR, 'moodboard.png'), fullPage: true });

    // The server dies: the pages say reconnecting. Moods written meanwhile appear once it is back.
    const port = relais.port;
    await relais.kill();
    for (const page of [ada, bob]) await expect.poll(() => status(page).getAttribute('data-state')).toBe('reconnecting');
    await db.query(`INSERT INTO "${table}" (emoji, author) VALUES ('😴', 'offline')`);
    relais = await startRelais(port, path);
    for (const page of [ada, bob]) {
      await expect.poll(() => status(page).getAttribute('data-state'), { timeout: 30_000 }).toBe('live');
      await expect.poll(() => moods(page)).toEqual(['😴 offline', '🚀 psql', '🤔 Bob', '🥳 Ada']);
    }

    // The server's feed loses Postgres (its walsender is terminated): the page says reconnecting
    // (the feed's STATUS), then live once the feed streams again. The feed may reconnect within
    // milliseconds, so every state the status line takes is recorded.
    await ada.getByTestId('board-status').evaluate((element) => {
      const seen: string[] = [];
      (window as unknown as { boardStates: string[] }).boardStates = seen;
      new MutationObserver(() => seen.push(element.getAttribute('data-state') ?? '')).observe(element, { attributeFilter: ['data-state'] });
    });
    const states = () => ada.evaluate(() => (window as unknown as { boardStates: string[] }).boardStates);
    const { rows: terminated } = await db.query<{ done: boolean }>(
      'SELECT pg_terminate_backend(active_pid) AS done FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL',
      [slot],
    );
    expect(terminated).toEqual([{ done: true }]);
    await expect.poll(states, { timeout: 30_000 }).toEqual(['reconnecting', 'live']);
    await db.query(`INSERT INTO "${table}" (emoji, author) VALUES ('🤯', 'after')`);
    await expect.poll(() => moods(bob)).toEqual(['🤯 after', '😴 offline', '🚀 psql', '🤔 Bob', '🥳 Ada']);

    await post(bob, 'Bob', '😎');
    await expect.poll(() => moods(ada)).toEqual(['😎 Bob', '🤯 after', '😴 offline', '🚀 psql', '🤔 Bob', '🥳 Ada']);
    expect(watched.flatMap((w) => [...w.csp, ...w.errors])).toEqual([]);
  });

  it('is not served without a Postgres URL', async () => {
    const relais = await startRelais();
    cleanup.push(() => relais.kill());
    const response = await fetch(`${relais.base}/moodboard/`);
    expect(response.status).toBe(404);
    expect((await fetch(`${relais.base}/counter/`)).status).toBe(200);
  });
});

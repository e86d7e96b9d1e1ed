/**
 * @module cli/apps
 * Finds the built demo apps `relais serve` serves: the chat at `/`, the counter at `/counter`,
 * the transports page at `/transports`, and the mood board at `/moodboard` when the node runs it
 * (a Postgres change feed is configured).
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { isBuiltApp, type StaticMount } from '../static/static-handler.js';
import { UsageError } from './args.js';

/** The repository's `apps/` folder, seen from src/cli or dist/cli of packages/relais. */
export const REPO_APPS_DIR = fileURLToPath(new URL('../../../../apps/', import.meta.url));

/** The admin dashboard: its URL prefix and folder, mounted only when the dashboard is on. */
export const ADMIN_APP = { name: 'admin', prefix: '/admin' } as const;

/** Each app: its URL prefix and its folder under the apps folder (built into `<name>/dist`). */
export const APPS: readonly { name: string; prefix: string; needsPostgres?: boolean }[] = [
  { name: 'chat', prefix: '/' },
  { name: 'counter', prefix: '/counter' },
  { name: 'transports', prefix: '/transports' },
  { name: 'moodboard', prefix: '/moodboard', needsPostgres: true },
];

/**
 * Content-Security-Policy of the apps: their own scripts and styles only, WebSockets to any host
 * (older Safari does not match ws: with 'self'), no plugins, no framing. A second line of defence
 * behind rendering user text as text.
 */
export const APPS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
  "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

const APP_HEADERS = { 'content-security-policy': APPS_CSP, 'referrer-policy': 'same-origin' };

/**
 * The mounts for the built apps under `dir` (`false`: none). With `dir` undefined, the repository's
 * apps are used when they are built and skipped otherwise; a `dir` given explicitly must hold at
 * least one built app (UsageError). Apps that need Postgres (the mood board) are mounted only
 * with `postgres`.
 */
export async function findApps(dir: string | false | undefined, { postgres = false }: { postgres?: boolean } = {}): Promise<StaticMount[]> {
  if (dir === false) return [];
  const base = dir ?? REPO_APPS_DIR;
  const mounts: StaticMount[] = [];
  for (const app of APPS) {
    if (app.needsPostgres && !postgres) continue;
    const appDir = join(base, app.name, 'dist');
    if (await isBuiltApp(appDir)) mounts.push({ prefix: app.prefix, dir: appDir, headers: APP_HEADERS });
  }
  if (mounts.length === 0 && dir !== undefined) {
    throw new UsageError(
      `no built app in ${dir} (expected chat/dist/index.html, counter/dist/index.html or transports/dist/index.html; run npm run build)`,
    );
  }
  return mounts;
}

/**
 * The mount of the admin dashboard's page, from `dir` (or the repository's apps folder when
 * `dir` is not a folder: `apps: false` turns off the demo apps, not the dashboard). Throws a
 * UsageError when it is not built.
 */
export async function findAdminApp(dir: string | false | undefined): Promise<StaticMount> {
  const appDir = join(typeof dir === 'string' ? dir : REPO_APPS_DIR, ADMIN_APP.name, 'dist');
  if (!(await isBuiltApp(appDir)))
    throw new UsageError(`the admin dashboard is on but not built: no ${join(appDir, 'index.html')} (run npm run build)`);
  return { prefix: ADMIN_APP.prefix, dir: appDir, headers: APP_HEADERS };
}

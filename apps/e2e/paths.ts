/**
 * @module apps/e2e/paths
 * Where the browser tests find things.
 */
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Folder of the built apps handed to `relais serve --apps`. */
export const APPS_DIR = fileURLToPath(new URL('../', import.meta.url));
/**
 * The CLI bundled from sources. It sits two levels under packages/relais so that its relative
 * reads of packages/relais/package.json (the version) resolve as they do from dist/cli/.
 */
export const E2E_SERVER_BUNDLE = fileURLToPath(new URL('../../packages/relais/.e2e/cli/relais.mjs', import.meta.url));
/** Screenshots of each run (gitignored). */
export const SCREENSHOTS_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
/** Debian's Chromium, or the binary CHROMIUM_PATH names (as in the client's browser tests); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Bound of one app build. */
export const BUILD_TIMEOUT_MS = 180_000;

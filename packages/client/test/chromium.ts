/**
 * @module test/chromium
 * Launches Debian's Chromium (/usr/bin/chromium) headless through playwright-core for browser
 * tests. Never downloads a browser: a missing executable is an error that says how to install it.
 * playwright gives every launch a fresh temporary profile and removes it on close. Pages get the
 * SDK from its sources, bundled in memory by `bundleForPage`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for Debian's Chromium on this closed network (no background fetches, no QUIC). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** A file of packages/client/src as a quoted module specifier, for `bundleForPage`'s source. */
export const clientSource = (path: string): string => JSON.stringify(fileURLToPath(new URL(`../src/${path}`, import.meta.url)));

/**
 * Bundles `contents` (a module importing SDK sources through `clientSource`) for a page, in
 * memory, as an app's bundler would: esbuild, browser, es2022, `@relais/protocol` from its sources.
 */
export async function bundleForPage(contents: string, format: 'esm' | 'iife' = 'esm'): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: HERE, loader: 'ts' },
    bundle: true,
    format,
    platform: 'browser',
    target: 'es2022',
    write: false,
    alias: { '@relais/protocol': fileURLToPath(new URL('../../protocol/src/index.ts', import.meta.url)) },
    logLevel: 'warning',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild produced no bundle');
  return file.text;
}

/**
 * @module apps/vite.shared
 * Vite config shared by the demo apps: Svelte 5, the relais packages taken from their TypeScript
 * sources (the apps build without building the packages first), and a dev proxy to a local
 * `relais serve` for the WebSocket (and Socket.IO).
 */
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { UserConfig } from 'vite';

const source = (pkg: string) => fileURLToPath(new URL(`../packages/${pkg}/src/index.ts`, import.meta.url));

/** Port of the `relais serve` the dev server proxies WebSocket upgrades to. */
const DEV_RELAIS_PORT = Number(process.env.RELAIS_PORT ?? 8080);

export function appConfig({ base }: { base: string }): UserConfig {
  return {
    base,
    plugins: [svelte({ compilerOptions: { runes: true } })],
    resolve: {
      alias: [
        { find: /^@relais\/protocol$/, replacement: source('protocol') },
        { find: /^@relais\/client$/, replacement: source('client') },
        { find: /^@relais\/svelte$/, replacement: source('svelte') },
      ],
    },
    build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
    server: {
      proxy: {
        '/connection': { target: `ws://127.0.0.1:${DEV_RELAIS_PORT}`, ws: true },
        // The counter's Socket.IO page: polling requests and the WebSocket upgrade.
        '/socket.io': { target: `http://127.0.0.1:${DEV_RELAIS_PORT}`, ws: true },
      },
    },
    logLevel: 'warn',
  };
}

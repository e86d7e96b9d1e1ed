import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') => fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));
const appServer = (app: string) => fileURLToPath(new URL(`./apps/${app}/server/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, never a stale dist/.
    alias: [
      { find: /^@relais\/protocol$/, replacement: src('protocol') },
      { find: /^@relais\/server\/testkit$/, replacement: src('server', 'testkit/index.ts') },
      { find: /^@relais\/server$/, replacement: src('server') },
      { find: /^@relais\/redis$/, replacement: src('redis') },
      { find: /^@relais\/postgres$/, replacement: src('postgres') },
      { find: /^@relais\/socketio$/, replacement: src('socketio') },
      { find: /^@relais\/supabase$/, replacement: src('supabase') },
      { find: /^@relais\/client\/msgpack$/, replacement: src('client', 'msgpack.ts') },
      { find: /^@relais\/client\/fallback$/, replacement: src('client', 'fallback.ts') },
      { find: /^@relais\/client\/changes$/, replacement: src('client', 'changes/index.ts') },
      { find: /^@relais\/client\/share$/, replacement: src('client', 'share/index.ts') },
      { find: /^@relais\/client\/outbox$/, replacement: src('client', 'outbox/index.ts') },
      { find: /^@relais\/client$/, replacement: src('client') },
      { find: /^@relais\/svelte$/, replacement: src('svelte') },
      { find: /^@relais\/app-chat\/server$/, replacement: appServer('chat') },
      { find: /^@relais\/app-counter\/server$/, replacement: appServer('counter') },
      { find: /^@relais\/app-transports\/server$/, replacement: appServer('transports') },
      { find: /^@relais\/app-moodboard\/server$/, replacement: appServer('moodboard') },
      { find: /^@relais\/app-admin\/server$/, replacement: appServer('admin') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/server/**/*.test.ts',
      'apps/e2e/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    // Builds the apps when stale and bundles the CLI from sources for the browser tests.
    globalSetup: ['apps/e2e/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});

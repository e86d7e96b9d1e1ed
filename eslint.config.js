import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'apps/*/build/**', 'bench/results/**', 'packages/relais/.e2e/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // The benchmark, the scripts and the bin run as plain Node ESM, without a build step.
    files: ['bench/**/*.mjs', 'scripts/**/*.mjs', 'packages/relais/bin/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['process', 'Buffer', 'URL', 'console', 'setTimeout', 'clearTimeout', 'setImmediate'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // An app's page and its wire contract run in the browser: the SDK packages and their own files only.
    files: ['apps/*/src/**/*.ts', 'apps/*/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@relais/server', '@relais/server/*', '@relais/redis', '**/server', '**/server/**', '**/packages/**'],
              message: 'the UI imports only @relais/client, @relais/svelte and its own files',
            },
          ],
        },
      ],
    },
  },
  {
    // An app's server half uses the public API of @relais/server, and shares only the contract with the UI.
    files: ['apps/*/server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/packages/**', '../src', '../src/**', '@relais/server/*', '!@relais/server/testkit'],
              message: 'import the public API of @relais/server (or its testkit in tests) and ../shared/',
            },
          ],
        },
      ],
    },
  },
  {
    // Seed 001's code, kept as the seed wrote it: its client script runs in the page with the
    // global `io` of the Socket.IO client, and both halves log with console.
    files: ['apps/counter/src/socketio/seed-001-client.js', 'apps/counter/server/seed-001.ts'],
    languageOptions: { globals: { io: 'readonly', document: 'readonly', console: 'readonly' } },
    rules: { 'no-console': 'off' },
  },
  {
    // Seed 004's client code, kept as the seed wrote it: a classic script of the mood board's
    // Supabase page, using the globals the page defines (supabase, humeurs, the display functions).
    files: ['apps/moodboard/public/supabase/seed-004-client.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(
        [
          'supabase',
          'document',
          'console',
          'setTimeout',
          'setInterval',
          'clearInterval',
          'updateDisplay',
          'updateStats',
          'highlightNewPost',
          'highlightUpdatedPost',
          'showNewPostNotification',
          'animatePostRemoval',
        ]
          .map((name) => [name, 'readonly'])
          .concat([['humeurs', 'writable']]),
      ),
    },
    rules: { 'no-console': 'off', '@typescript-eslint/no-unused-vars': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'no-console': 'off' },
  },
);

/**
 * @module apps/e2e/global-setup
 * Before the test run: builds the demo apps when their dist/ is missing or older than their
 * sources (bounded), and bundles the `relais` CLI from the TypeScript sources so the browser
 * tests run a real `relais serve` process of the current code, never a stale dist/.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { BUILD_TIMEOUT_MS, E2E_SERVER_BUNDLE, REPO_ROOT } from './paths.js';
import { RELAIS_SOURCES } from '../../packages/relais/test/relais-sources.js';

const APP_SOURCES = ['packages/protocol/src', 'packages/client/src', 'packages/svelte/src', 'apps/vite.shared.ts'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function isStale(app: string): boolean {
  const index = join(REPO_ROOT, 'apps', app, 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const sources = [
    ...APP_SOURCES,
    `apps/${app}/src`,
    `apps/${app}/shared`,
    `apps/${app}/index.html`,
    `apps/${app}/socketio.html`,
    `apps/${app}/supabase.html`,
    `apps/${app}/public`,
    `apps/${app}/vite.config.ts`,
  ];
  return Math.max(...sources.map((s) => newestMtime(join(REPO_ROOT, s)))) > statSync(index).mtimeMs;
}

function viteBuild(app: string): Promise<void> {
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build'], { cwd: join(REPO_ROOT, 'apps', app), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`vite build of apps/${app} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

export default async function setup(): Promise<void> {
  for (const app of ['chat', 'counter', 'transports', 'moodboard', 'admin']) {
    if (isStale(app)) await viteBuild(app);
  }
  await build({
    entryPoints: [join(REPO_ROOT, 'packages/relais/src/cli.ts')],
    outfile: E2E_SERVER_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    plugins: [
      {
        // Our own packages come from their sources; third-party ones load from node_modules.
        name: 'relais-sources',
        setup(b) {
          b.onResolve({ filter: /^@relais\// }, (args) => {
            const source = RELAIS_SOURCES[args.path];
            if (!source) throw new Error(`no source for ${args.path}`);
            return { path: join(REPO_ROOT, source) };
          });
          b.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
}

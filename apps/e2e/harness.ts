/**
 * @module apps/e2e/harness
 * A real `relais serve` process (the CLI bundled from sources by the global setup) serving the
 * built apps, which a test can kill (SIGKILL: no close frames) and start again on the same port;
 * and headless Debian Chromium with a fresh profile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../packages/client/test/chromium.js';
import { APPS_DIR, CHROMIUM, E2E_SERVER_BUNDLE, REPO_ROOT } from './paths.js';

/** Bound of a server start (the process prints its address once listening). */
const SERVER_START_MS = 20_000;

export interface RelaisProcess {
  port: number;
  base: string;
  /** Kills the process with SIGKILL and waits for it to exit. */
  kill(): Promise<void>;
}

/** Starts `relais serve` on `port` (0: a free one) with the built apps and the given config file. */
export function startRelais(port = 0, config?: string): Promise<RelaisProcess> {
  const args = [E2E_SERVER_BUNDLE, 'serve', '--port', String(port), '--host', '127.0.0.1', '--apps', APPS_DIR, '--log-level', 'info'];
  if (config) args.push('--config', config);
  // No RELAIS_* from the outer environment: the test decides the configuration.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('RELAIS_')));
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`relais serve ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not listen within ${SERVER_START_MS} ms`), SERVER_START_MS);
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    child.once('exit', onExit);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /relais listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.stdout.removeAllListeners('data');
      child.stdout.resume();
      const listening = Number(match[1]);
      resolve({ port: listening, base: `http://127.0.0.1:${listening}`, kill: () => kill(child, exited) });
    });
  });
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh user-data-dir, removed on close. */
export async function launchChromium(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'relais-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
  context.setDefaultTimeout(20_000);
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

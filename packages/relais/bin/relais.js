#!/usr/bin/env node
/**
 * @module bin/relais
 * The `relais` command. npm links a workspace's bin when it installs, before anything is built,
 * so the bin is this committed file: it runs the built CLI, dist/cli.js, or says to build it.
 */
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);

if (existsSync(cli)) {
  await import(cli.href);
} else {
  process.stderr.write('relais: the CLI is not built yet (no packages/relais/dist/cli.js): run `npm run build` first\n');
  process.exitCode = 1;
}

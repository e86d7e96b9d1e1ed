/**
 * @module scripts/check-chromium
 * The `pretest` of `npm test`: the browser tests run Debian's Chromium (never a downloaded
 * browser) at CHROMIUM_PATH, /usr/bin/chromium by default. When it is missing, root on a machine
 * with apt-get gets it installed (apt-get install -y chromium); anyone else gets one line saying
 * what to run, and the tests do not start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const path = process.env.CHROMIUM_PATH || DEBIAN_CHROMIUM;

function stop(line) {
  process.stderr.write(`npm test: ${line}\n`);
  process.exit(1);
}

function aptGet(...args) {
  const run = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return run.status === 0;
}

const hasAptGet = () => spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

if (!existsSync(path)) {
  if (process.getuid?.() !== 0 || !hasAptGet()) {
    stop(
      `no Chromium at ${path} for the browser tests: install Debian's (as root: apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary`,
    );
  }
  process.stderr.write(`npm test: no Chromium at ${path}; installing Debian's: apt-get install -y chromium\n`);
  // A fresh machine may have no package lists yet: read them, then try once more.
  const installed = aptGet('install', '-y', '-qq', 'chromium') || (aptGet('update', '-qq') && aptGet('install', '-y', '-qq', 'chromium'));
  if (!installed) stop('apt-get install -y chromium failed: install Chromium, or set CHROMIUM_PATH to a Chromium binary');
  if (!existsSync(path))
    stop(`chromium is installed, but not at ${path}: set CHROMIUM_PATH to its binary (Debian's is ${DEBIAN_CHROMIUM})`);
}

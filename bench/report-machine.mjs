/**
 * @module bench/report-machine
 * The machine and versions a run was measured on (cores, CPU model, kernel, Node, the servers'
 * and engines' package versions), recorded in each run and printed in docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function version(pkg) {
  try {
    const file = pkg.startsWith('@relais/')
      ? new URL(`../packages/${pkg.slice('@relais/'.length)}/package.json`, import.meta.url)
      : require.resolve(`${pkg}/package.json`);
    return JSON.parse(readFileSync(file, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  let nproc = String(cpus().length);
  try {
    // --all: the orchestrator pins itself to one core, which plain nproc would report.
    nproc = execFileSync('nproc', ['--all'], { encoding: 'utf8' }).trim();
  } catch {
    // nproc missing: os.cpus() already answered.
  }
  return {
    nproc,
    cpu: model,
    node: process.version,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    versions: {
      ws: version('ws'),
      'socket.io': version('socket.io'),
      'socket.io-client': version('socket.io-client'),
      '@relais/server': version('@relais/server'),
      '@relais/redis': version('@relais/redis'),
      ioredis: version('ioredis'),
      bufferutil: version('bufferutil'),
      'utf-8-validate': version('utf-8-validate'),
    },
  };
}

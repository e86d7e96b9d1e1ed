/**
 * @module bench/lib/procs
 * Child processes of a run: each is forked with an IPC channel, pinned to one core with
 * `taskset -a -p` (all its threads), tracked, and killed by pid when the run ends, fails or is
 * interrupted.
 */
import { execFileSync, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { call } from './ipc.mjs';

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
const children = new Set();

/** Pins `pid` (every thread) to `core`; a no-op where taskset is missing. */
export function pin(pid, core) {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Forks `script` (relative to bench/), pins it to `core` (unless undefined), and waits for its `{ready}` message. */
export async function spawn(script, args, { core, execArgv = [] }) {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const child = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (core !== undefined) pin(child.pid, core);
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 30 s`)), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited during start (${code})`));
    });
  });
  return { child, ready };
}

/** Asks `child` to stop (`cmd`), then kills it if it has not exited within `graceMs`. */
export async function stop(child, cmd = 'close', graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  call(child, cmd, {}, graceMs).catch(() => {});
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills every child still running (by pid). */
export function killAll() {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
process.on('exit', killAll);

/**
 * @module bench/lib/procs
 * Child processes of a run: each is forked with an IPC channel, pinned to one core with
 * `taskset -a -p` (all its threads), given as many open files as it may have (`prlimit`: its
 * soft RLIMIT_NOFILE raised to FD_WANT, or to its hard limit where raising that is not
 * allowed: a process holds one descriptor per connection), tracked, and killed by pid when the
 * run ends, fails or is interrupted.
 */
import { execFileSync, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { call } from './ipc.mjs';

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;
/** The open-file limit asked for every child: fs.nr_open's usual default, enough for 500,000 connections. */
export const FD_WANT = 1_048_576;
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

/**
 * Raises `pid`'s open-file limit to FD_WANT (needs CAP_SYS_RESOURCE beyond the hard limit), else
 * its soft limit to its hard one (always allowed); a no-op where prlimit is missing.
 */
export function raiseFdLimit(pid) {
  const prlimit = (...args) =>
    execFileSync('prlimit', ['--pid', String(pid), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    prlimit(`--nofile=${FD_WANT}:${FD_WANT}`);
  } catch {
    try {
      const hard = prlimit('--nofile', '--raw', '--noheadings', '--output=HARD').trim();
      prlimit(`--nofile=${hard}:${hard}`);
    } catch {
      // No prlimit, or the process is gone: it keeps the limit it inherited.
    }
  }
}

/** Forks `script` (relative to bench/), pins it to `core` (unless undefined), and waits for its `{ready}` message. */
export async function spawn(script, args, { core, execArgv = [] }) {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const child = fork(file, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (core !== undefined) pin(child.pid, core);
  raiseFdLimit(child.pid);
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

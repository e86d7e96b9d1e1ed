/**
 * @module bench/lib/redis
 * The Redis the "relais (Redis, 2 nodes)" variant runs on. Redis runs outside the harness
 * (not started, not pinned, never flushed); the orchestrator only asks it, over a few lines of
 * RESP on `node:net`, whether it answers, its version, and its CPU time (INFO cpu: user +
 * system of the whole redis-server process) so that Redis's share of the work is reported
 * next to the relais nodes' own CPU.
 *
 * RELAIS_BENCH_REDIS_URL: where (default redis://127.0.0.1:6379; a password in it is sent
 * with AUTH). RELAIS_BENCH_REDIS_PREFIX: the key and pub/sub prefix of one run, set by the
 * orchestrator and inherited by both nodes, so nothing of an earlier run (or of anyone else
 * on the same Redis) is seen.
 */
import { connect } from 'node:net';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const REDIS_TIMEOUT_MS = 3_000;

/** The Redis URL of this run. */
export const redisUrl = () => process.env.RELAIS_BENCH_REDIS_URL || DEFAULT_REDIS_URL;

/**
 * The prefix of this run: RELAIS_BENCH_REDIS_PREFIX, set once by the orchestrator (see
 * newRedisPrefix); a process started on its own makes one up.
 */
export function redisPrefix() {
  process.env.RELAIS_BENCH_REDIS_PREFIX ||= newRedisPrefix();
  return process.env.RELAIS_BENCH_REDIS_PREFIX;
}

/** A prefix no earlier run used: time and pid (RedisBroker allows 1–64 of A–Z a–z 0–9 _ . : -). */
export function newRedisPrefix(now = new Date()) {
  return `relais-bench-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}`;
}

/** `{version, pid}` of the Redis at `url`; rejects with a clear error when it does not answer. */
export async function redisStatus(url = redisUrl()) {
  const info = parseInfo(await redisCommand(url, ['INFO', 'server']));
  return { version: info.redis_version, pid: Number(info.process_id) };
}

/** CPU time (user + system, µs) the redis-server process has used since it started. */
export async function redisCpuUs(url = redisUrl()) {
  const info = parseInfo(await redisCommand(url, ['INFO', 'cpu']));
  const seconds = Number(info.used_cpu_user) + Number(info.used_cpu_sys);
  if (!Number.isFinite(seconds)) throw new Error(`Redis at ${url}: INFO cpu has no used_cpu_user / used_cpu_sys`);
  return seconds * 1e6;
}

function parseInfo(text) {
  const fields = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Sends one command (after AUTH when the URL has a password) and resolves with its reply. */
export function redisCommand(url, args, timeoutMs = REDIS_TIMEOUT_MS) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:') throw new Error(`RELAIS_BENCH_REDIS_URL must be redis://host:port, not ${url}`);
  const commands = [];
  if (parsed.password)
    commands.push(
      parsed.username
        ? ['AUTH', decodeURIComponent(parsed.username), decodeURIComponent(parsed.password)]
        : ['AUTH', decodeURIComponent(parsed.password)],
    );
  commands.push(args);
  const where = `Redis at ${parsed.host}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: parsed.hostname, port: Number(parsed.port || 6379) });
    const replies = [];
    let buffer = Buffer.alloc(0);
    const fail = (error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`${where}: no answer to ${args[0]} within ${timeoutMs} ms`)));
    socket.on('error', (error) => fail(new Error(`${where}: ${error.message}`, { cause: error })));
    socket.on('connect', () => socket.write(commands.map(encode).join('')));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      let reply;
      while ((reply = readReply(buffer)) !== undefined) {
        buffer = buffer.subarray(reply.end);
        if (reply.error) return fail(new Error(`${where}: ${reply.error}`));
        replies.push(reply.value);
      }
      if (replies.length === commands.length) {
        socket.end();
        resolve(replies[replies.length - 1]);
      }
    });
  });
}

function encode(args) {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`).join('')}`;
}

/** One simple, error, integer or bulk reply at the start of `buffer`, or undefined if incomplete. */
function readReply(buffer) {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[0]);
  const line = buffer.toString('utf8', 1, lineEnd);
  if (type === '+' || type === ':') return { value: line, end: lineEnd + 2 };
  if (type === '-') return { error: line, end: lineEnd + 2 };
  if (type !== '$') return { error: `unexpected reply type ${JSON.stringify(type)}`, end: lineEnd + 2 };
  const length = Number(line);
  if (length < 0) return { value: null, end: lineEnd + 2 };
  const end = lineEnd + 2 + length + 2;
  if (buffer.length < end) return undefined;
  return { value: buffer.toString('utf8', lineEnd + 2, end - 2), end };
}

/**
 * @module test/redis-helpers
 * Redis for the tests: the machine's Redis at REDIS_URL, private redis-server children on free
 * ports (a second shard, or one the test may kill), unique key prefixes and their cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other test run uses. */
export function uniquePrefix(label = 'test'): string {
  return `relais-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resolves when `check` returns true, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface RedisServerOptions {
  /**
   * Keep an append-only file in a temporary directory, written and fsynced before every reply
   * (`appendfsync always`), so that no acknowledged write is lost to `kill` and `restart`.
   * (With the default `everysec`, Redis may postpone the write while a slow fsync runs and
   * answer anyway: a SIGKILL then loses acknowledged writes.)
   * @default false: no persistence
   */
  appendOnly?: boolean;
}

/** A redis-server child process owned by a test. */
export class RedisServer {
  readonly port: number;
  #child: ChildProcess | undefined;
  #dir: string | undefined;

  private constructor(port: number, dir: string | undefined) {
    this.port = port;
    this.#dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts redis-server on a free port (or `port`) and waits until it answers. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = options.appendOnly ? await mkdtemp(join(tmpdir(), 'relais-redis-')) : undefined;
    const server = new RedisServer(await freePort(), dir);
    await server.restart();
    return server;
  }

  /** Starts it again on the same port (after `kill`). */
  async restart(): Promise<void> {
    if (this.#child) throw new Error('redis-server is already running');
    const persistence = this.#dir ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.#dir] : ['--appendonly', 'no'];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...persistence], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const ready = new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => reject(new Error(`cannot run redis-server: ${error.message}`)));
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)));
    });
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000).unref(),
    );
    try {
      await Promise.race([ready, timeout]);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Kills it for good and removes its files. */
  async remove(): Promise<void> {
    await this.kill();
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }

  /** Kills it with `signal` and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

/**
 * @module test/pg-server
 * A private PostgreSQL 15 instance owned by a test, for faults the shared cluster on 5432 must
 * not suffer (other tests and sessions use it): `initdb` into a temporary directory,
 * `wal_level=logical`, a free port on 127.0.0.1, an immediate stop (`kill`) and a restart on the
 * same data. Run as the `postgres` OS user when the tests run as root (initdb refuses root).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort, waitFor } from '../../redis/test/redis-helpers.js';

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why a private server cannot run here (the tests using it are skipped with this), or undefined. */
export const PG_SERVER_MISSING =
  existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'postgres'))
    ? undefined
    : `PostgreSQL binaries not found in ${PG_BIN} (set PG_BIN): private-server tests skipped`;

const run = promisify(execFile);
const asRoot = process.getuid?.() === 0;

/** `command args` as the postgres OS user when we are root, else as ourselves. */
function command(file: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, file), ...args]] : [join(PG_BIN, file), args];
}

export interface PgServerOptions {
  /** Extra `-c name=value` settings (e.g. `max_slot_wal_keep_size: '1MB'`). */
  settings?: Record<string, string>;
  /** WAL segment size in MB (`initdb --wal-segsize`): small segments make WAL pile up fast. @default 16 */
  walSegmentMb?: number;
}

export class PgServer {
  readonly port: number;
  readonly #dir: string;
  readonly #settings: Record<string, string>;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string, settings: Record<string, string>) {
    this.port = port;
    this.#dir = dir;
    this.#settings = settings;
  }

  /** URL of its `postgres` database as the `postgres` superuser (trust auth). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** initdb into a temporary directory, then start; resolves once it accepts connections. */
  static async start(options: PgServerOptions = {}): Promise<PgServer> {
    const dir = await mkdtemp(join(tmpdir(), 'relais-pg-'));
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      await chown(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await chmod(dir, 0o700);
    const [file, args] = command('initdb', [
      '-D',
      dir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '--no-sync',
      `--wal-segsize=${options.walSegmentMb ?? 16}`,
    ]);
    await run(file, args);
    const settings = {
      wal_level: 'logical',
      max_wal_senders: '10',
      max_replication_slots: '10',
      fsync: 'off',
      shared_buffers: '16MB',
      ...options.settings,
    };
    const server = new PgServer(await freePort(), dir, settings);
    try {
      await server.restart();
    } catch (error) {
      await server.remove();
      throw error;
    }
    return server;
  }

  /** Starts the postmaster on the same data and port (after `kill`); resolves once it accepts connections. */
  async restart(): Promise<void> {
    if (this.#child) throw new Error('postgres is already running');
    const flags = ['-D', this.#dir, '-p', String(this.port), '-k', this.#dir, '-c', 'listen_addresses=127.0.0.1'];
    for (const [name, value] of Object.entries(this.#settings)) flags.push('-c', `${name}=${value}`);
    const [file, args] = command('postgres', flags);
    const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    let output = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    try {
      await waitFor(
        async () => {
          if (exited) throw new Error(`postgres exited before accepting connections:\n${output}`);
          return this.#accepts();
        },
        30_000,
        'the private postgres to accept connections',
      );
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  async #accepts(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /**
   * Immediate shutdown (SIGQUIT to the postmaster: every backend exits at once, no checkpoint;
   * crash recovery on the next start), and waits until it exited.
   */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Signal the postmaster itself: with runuser, the child is runuser, not postgres.
    const pid = await readFile(join(this.#dir, 'postmaster.pid'), 'utf8').then(
      (text) => Number(text.split('\n')[0]),
      () => undefined,
    );
    if (pid) process.kill(pid, 'SIGQUIT');
    else child.kill('SIGQUIT');
    await exited;
  }

  /** Stops it and removes its data directory. */
  async remove(): Promise<void> {
    await this.kill();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

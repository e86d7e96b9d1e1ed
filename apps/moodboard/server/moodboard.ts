/**
 * @module moodboard/server/moodboard
 * Server half of the emoji mood board (seed 004): a table of moods in PostgreSQL, created when
 * missing, which the Postgres change feed streams to the pages; an RPC inserting a mood (the
 * server writes the row, the browser never talks SQL) and one telling the pages which table to
 * subscribe to. The board keeps the newest `keep` moods: older rows are deleted (and the pages
 * see those DELETEs too).
 */
import { ERROR_CODES, ReplyError, silentLogger, type Relais } from '@relais/server';
import type { Pool } from 'pg';
import { isMood, MAX_AUTHOR_LENGTH, MOODBOARD_ADD_RPC, MOODBOARD_INFO_RPC, MOODS, type MoodboardInfo } from '../shared/protocol.js';

export interface MoodboardOptions {
  /** `postgres://` URL of the database (the change feed's). */
  url: string;
  /** The moods table, in schema `public`: created when missing. @default 'humeur' */
  table?: string;
  /** Moods kept: older ones are deleted after each insert. @default 200 */
  keep?: number;
}

/** A running mood board: `close()` removes its RPCs and ends its database connections. */
export interface Moodboard {
  readonly schema: string;
  readonly table: string;
  close(): Promise<void>;
}

export const DEFAULT_MOODBOARD_TABLE = 'humeur';
export const DEFAULT_MOODBOARD_KEEP = 200;
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const CONTROL_CHARS = /\p{Cc}/u;

/** Throws an Error naming the bad option; returns the table and `keep`. */
export function resolveMoodboardOptions(options: Omit<MoodboardOptions, 'url'>): { table: string; keep: number } {
  const { table = DEFAULT_MOODBOARD_TABLE, keep = DEFAULT_MOODBOARD_KEEP, ...rest } = options;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new Error(`unknown moodboard option ${JSON.stringify(unknown)}`);
  if (typeof table !== 'string' || !TABLE_NAME.test(table))
    throw new Error(`moodboard.table must be a lowercase SQL name (a-z, 0-9, _), got ${JSON.stringify(table)}`);
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`moodboard.keep must be a positive integer, got ${JSON.stringify(keep)}`);
  return { table, keep };
}

const bad = (message: string) => new ReplyError(ERROR_CODES.BAD_REQUEST, message);

/** Checks an add request; returns the emoji and the trimmed author, or throws ReplyError 107. */
export function checkAddMood(data: unknown): { emoji: string; author: string } {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('a mood is an object { emoji, author }');
  const { emoji, author, ...rest } = data as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw bad(`unknown field ${JSON.stringify(extra.slice(0, 32))} in a mood`);
  if (!isMood(emoji)) throw bad(`emoji must be one of ${MOODS.join(' ')}`);
  if (typeof author !== 'string') throw bad('a mood needs an author string');
  const trimmed = author.trim();
  if (trimmed === '') throw bad('author is empty');
  if ([...trimmed].length > MAX_AUTHOR_LENGTH) throw bad(`author is longer than ${MAX_AUTHOR_LENGTH} characters`);
  if (CONTROL_CHARS.test(trimmed)) throw bad('author must not contain control characters');
  return { emoji, author: trimmed };
}

/**
 * The table, with the rules of `checkAddMood` as CHECK constraints: rows that do not come through
 * the RPC (the Supabase page's PostgREST inserts, SQL) meet them too. The moods are constants of
 * the contract (no quote in them), so they are written into the statement as they are.
 */
function createTableSql(table: string): string {
  const moods = MOODS.map((mood) => `'${mood}'`).join(', ');
  return (
    `CREATE TABLE IF NOT EXISTS public."${table}" (id bigserial PRIMARY KEY, emoji text NOT NULL CHECK (emoji IN (${moods})), ` +
    `author text NOT NULL CHECK (author = btrim(author) AND char_length(author) BETWEEN 1 AND ${MAX_AUTHOR_LENGTH} AND author !~ '[[:cntrl:]]'), ` +
    'created_at timestamptz NOT NULL DEFAULT now())'
  );
}

async function createTable(pool: Pool, table: string): Promise<void> {
  try {
    await pool.query(createTableSql(table));
  } catch (error) {
    // Two nodes creating it at once: one wins, the other sees the table (or its type) exist.
    const code = (error as { code?: string }).code;
    if (code !== '42P07' && code !== '23505') throw error;
  }
}

/**
 * Creates the moods table when missing and registers the board's RPCs on `relais`. The table
 * must also be streamed by the node's change feed (`relais serve` adds it to `postgres.tables`).
 * Rejects when the database cannot be reached or the table cannot be created.
 * @example
 * const board = await installMoodboard(relais, { url: 'postgres://postgres@127.0.0.1/app' });
 * const changes = new PostgresChanges(relais, { url, tables: [board.table] });
 */
export async function installMoodboard(relais: Relais, options: MoodboardOptions): Promise<Moodboard> {
  const { url, ...rest } = options;
  const { table, keep } = resolveMoodboardOptions(rest);
  // Loaded only when the board runs: a node without a database never loads pg.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const logger = relais.options.logger ?? silentLogger;
  // An idle connection the server dropped is an error event of the pool: logged, not a crash.
  pool.on('error', (error) => logger.warn({ err: error }, 'moodboard: database connection lost'));
  try {
    await createTable(pool, table);
  } catch (error) {
    await pool.end();
    throw new Error(`moodboard: cannot create table public.${table}: ${(error as Error).message}`, { cause: error });
  }
  const info: MoodboardInfo = { schema: 'public', table };
  const insert = async (emoji: string, author: string): Promise<{ id: string }> => {
    try {
      const { rows } = await pool.query<{ id: string }>(
        `INSERT INTO public."${table}" (emoji, author) VALUES ($1, $2) RETURNING id::text`,
        [emoji, author],
      );
      await pool.query(`DELETE FROM public."${table}" WHERE id <= (SELECT id FROM public."${table}" ORDER BY id DESC OFFSET $1 LIMIT 1)`, [
        keep,
      ]);
      return { id: rows[0]!.id };
    } catch (error) {
      logger.warn({ err: error }, 'moodboard: insert failed');
      throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, 'the mood board database is unavailable: try again', { temporary: true });
    }
  };
  const disposers = [
    relais.rpc(MOODBOARD_INFO_RPC, (): MoodboardInfo => info),
    relais.rpc(MOODBOARD_ADD_RPC, ({ data }) => {
      const { emoji, author } = checkAddMood(data);
      return insert(emoji, author);
    }),
  ];
  return {
    ...info,
    async close() {
      for (const dispose of disposers) dispose();
      await pool.end();
    },
  };
}

/**
 * @module demo
 * The demo apps' server halves as `relais serve` installs them: the chat (whose options are the
 * config file's `demo`), the counter (its native RPCs and its Socket.IO page's server, sharing one
 * count), and the transports page's ticks; and, on a node with a Postgres change feed, the mood
 * board.
 */
import { installChat, resolveDemoOptions, type DemoOptions } from '@relais/app-chat/server';
import { ClickCounter, installCounter, installSocketIoCounter } from '@relais/app-counter/server';
import { installMoodboard, type Moodboard, type MoodboardOptions } from '@relais/app-moodboard/server';
import { installTicks } from '@relais/app-transports/server';
import type { Relais } from '@relais/server';

/**
 * Installs the chat, the counter and the ticks on a node; returns a disposer. Throws OptionsError on bad options.
 * The counter's Socket.IO server takes Socket.IO's default path, `/socket.io/`, on the node's HTTP server.
 * @example
 * const relais = createRelais();
 * installDemo(relais, { maxMessageLength: 200 });
 */
export function installDemo(relais: Relais, options: DemoOptions = {}): () => void {
  const resolved = resolveDemoOptions(options);
  const counter = new ClickCounter(relais);
  const closeSocketIo = installSocketIoCounter(relais, counter);
  const disposers = [installChat(relais, resolved), installCounter(relais, counter), installTicks(relais)];
  return () => {
    for (const dispose of disposers) dispose();
    // Releases /socket.io/ and closes the Socket.IO connections; nothing of it can fail the caller.
    closeSocketIo().catch(() => undefined);
  };
}

/** Whether a change feed `tables` entry (`t`, `public.t`, `{table}`) names `public.<table>`. */
function names(entry: unknown, table: string): boolean {
  const name = typeof entry === 'object' && entry !== null ? (entry as { table?: unknown }).table : entry;
  return name === table || name === `public.${table}`;
}

/**
 * Installs the mood board on a node whose change feed reads the database at `url` (its table is
 * created when missing); resolves with the board and the feed's `tables` with the moods table
 * added when they lack it. Call it before the feed starts. Rejects on bad options or when the
 * table cannot be created.
 * @example
 * const { board, tables } = await installPostgresDemo(relais, { url, tables: ['todos'] });
 * const changes = new PostgresChanges(relais, { url, tables });
 */
export async function installPostgresDemo(
  relais: Relais,
  postgres: { url: string; tables: readonly unknown[] },
  options: Omit<MoodboardOptions, 'url'> = {},
): Promise<{ board: Moodboard; tables: unknown[] }> {
  const board = await installMoodboard(relais, { ...options, url: postgres.url });
  const listed = postgres.tables.some((entry) => names(entry, board.table));
  return { board, tables: listed ? [...postgres.tables] : [...postgres.tables, `public.${board.table}`] };
}

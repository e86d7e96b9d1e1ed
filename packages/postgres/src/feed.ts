/**
 * @module feed
 * The change feed: checks the database (wal_level, publication, slot), streams the slot, turns
 * every committed transaction into row changes for a `ChangeSink`, and confirms a transaction's
 * end LSN to Postgres only after the sink took every change of it (so a restart resumes from
 * the slot with nothing lost). Changes already handed over are skipped by (commit LSN, seq)
 * when Postgres sends a transaction again after a reconnect. A lost connection is retried with
 * exponential backoff and full jitter. `run(signal)` is the background loop.
 */
import pg from 'pg';
import type { Logger } from '@relais/server';
import { ChangeDecoder, type RowChange } from './change.js';
import { formatLsn } from './decode/lsn.js';
import { decodePgoutput } from './decode/pgoutput.js';
import type { StreamMessage } from './decode/stream-messages.js';
import { ReplicationStream } from './replication-stream.js';
import {
  checkWalLevel,
  describeTables,
  ensurePublication,
  ensureSlot,
  parseTableName,
  tableKey,
  type TableInfo,
  type TableName,
} from './setup.js';

/** Where the feed's changes and messages go; each call resolves once they are safely published. */
export interface ChangeSink {
  change(change: RowChange): Promise<void>;
  /** A `pg_logical_emit_message` with the feed's prefix; `id` is unique per message (`lsn:seq`). */
  message(content: Buffer, id: string): Promise<void>;
  /** The slot was lost (dropped, or invalidated by max_slot_wal_keep_size): changes may be missing. */
  reset?(reason: string): Promise<void>;
}

/** Whether a START_REPLICATION error says the slot is gone or can no longer stream. */
export function isSlotLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (code === '42704' || code === '55000') && /replication slot/.test(message ?? '');
}

export type FeedState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface PostgresFeedOptions {
  /** postgres:// URL of the database (a role with REPLICATION, or superuser). */
  url: string;
  /** Tables to stream, `table` (schema public) or `schema.table`. */
  tables: string[];
  /** Tables published and streamed besides `tables`, not described (the channel registry). */
  extraTables?: string[];
  /** Name of the logical replication slot (kept across restarts). @default 'relais' */
  slot?: string;
  /** Name of the publication. @default 'relais' */
  publication?: string;
  /** Create the publication and slot when they are missing (and add missing tables). @default true */
  createIfMissing?: boolean;
  /** int8 columns as 'string' (every digit) or 'number'. @default 'string' */
  bigint?: 'string' | 'number';
  /** Prefix of `pg_logical_emit_message` messages the feed publishes. @default 'relais' */
  messagePrefix?: string;
  /** Frames read ahead of the sink before the socket pauses (bounds memory in huge transactions). @default 1000 */
  maxQueuedMessages?: number;
  /** First reconnect delay; doubled per attempt, with full jitter. @default 500 */
  reconnectDelayMs?: number;
  /** Largest reconnect delay. @default 10000 */
  maxReconnectDelayMs?: number;
  logger?: Logger;
  random?: () => number;
  /** Runs before each stream starts (e.g. to read state that the slot's confirmed position covers). */
  beforeStream?: () => Promise<void>;
}

export const DEFAULT_SLOT = 'relais';
export const DEFAULT_PUBLICATION = 'relais';
export const DEFAULT_MESSAGE_PREFIX = 'relais';
export const DEFAULT_MAX_QUEUED_MESSAGES = 1000;
export const DEFAULT_RECONNECT_DELAY_MS = 500;
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 10_000;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

type Resolved = Required<Omit<PostgresFeedOptions, 'tables' | 'extraTables' | 'beforeStream'>> & {
  tables: TableName[];
  extraTables: TableName[];
  beforeStream?: () => Promise<void>;
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export class PostgresFeed {
  readonly options: Resolved;
  readonly #sink: ChangeSink;
  readonly #tables = new Map<string, TableInfo>();
  readonly #listeners = new Set<(state: FeedState) => void>();
  #state: FeedState = 'idle';
  /** The last change handed to the sink: (commit LSN, seq); seq -1 for a whole transaction. */
  #done = { lsn: 0n, seq: Number.MAX_SAFE_INTEGER };
  #stream: ReplicationStream | undefined;
  #slotCreated = false;
  /** The sink heard of the lost slot since the feed last streamed: retries without a slot do not tell it again. */
  #lossTold = false;

  constructor(options: PostgresFeedOptions, sink: ChangeSink) {
    if (!Array.isArray(options.tables) || options.tables.length === 0) throw new TypeError('postgres.tables must list at least one table');
    this.options = {
      url: options.url,
      tables: options.tables.map(parseTableName),
      extraTables: (options.extraTables ?? []).map(parseTableName),
      slot: options.slot ?? DEFAULT_SLOT,
      publication: options.publication ?? DEFAULT_PUBLICATION,
      createIfMissing: options.createIfMissing ?? true,
      bigint: options.bigint ?? 'string',
      messagePrefix: options.messagePrefix ?? DEFAULT_MESSAGE_PREFIX,
      maxQueuedMessages: options.maxQueuedMessages ?? DEFAULT_MAX_QUEUED_MESSAGES,
      reconnectDelayMs: options.reconnectDelayMs ?? DEFAULT_RECONNECT_DELAY_MS,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS,
      logger: options.logger ?? silent,
      random: options.random ?? Math.random,
    };
    if (options.beforeStream) this.options.beforeStream = options.beforeStream;
    this.#sink = sink;
  }

  get state(): FeedState {
    return this.#state;
  }

  /** Calls `listener` on every state change; returns a disposer. */
  onState(listener: (state: FeedState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #setState(state: FeedState): void {
    if (this.#state === state) return;
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }

  /** The configured tables as described at `prepare()`, by `schema.table`. */
  get tables(): ReadonlyMap<string, TableInfo> {
    return this.#tables;
  }

  /** Checks wal_level, ensures the publication and slot, reads the tables' columns. */
  async prepare(): Promise<void> {
    const db = new pg.Client({ connectionString: this.options.url });
    await db.connect();
    try {
      await checkWalLevel(db);
      const infos = await describeTables(db, this.options.tables);
      const published = [...this.options.tables, ...this.options.extraTables];
      await ensurePublication(db, this.options.publication, published, this.options.createIfMissing);
      this.#slotCreated = await ensureSlot(db, this.options.slot, this.options.createIfMissing);
      if (this.#slotCreated) this.options.logger.info({ slot: this.options.slot }, 'created replication slot');
      this.#tables.clear();
      for (const info of infos) this.#tables.set(tableKey(info), info);
    } finally {
      await db.end();
    }
  }

  /** Streams until `signal` aborts, reconnecting after failures. Call `prepare()` first. */
  async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      this.#setState(attempt === 0 ? 'connecting' : 'reconnecting');
      try {
        await this.options.beforeStream?.();
        const stream = await ReplicationStream.open({ ...this.options, startLsn: 0n });
        this.#stream = stream;
        const stop = (): void => void stream.close();
        signal.addEventListener('abort', stop, { once: true });
        if (signal.aborted) stop();
        this.#setState('live');
        this.#lossTold = false;
        attempt = 0;
        try {
          await this.#consume(stream);
        } finally {
          signal.removeEventListener('abort', stop);
          this.#stream = undefined;
          await stream.close();
        }
      } catch (error) {
        if (signal.aborted) break;
        if (isSlotLost(error)) await this.#slotLost(error as Error);
        else this.options.logger.warn({ err: error, slot: this.options.slot }, 'replication stream failed; reconnecting');
      }
      if (signal.aborted) break;
      attempt++;
      const cap = Math.min(this.options.maxReconnectDelayMs, this.options.reconnectDelayMs * 2 ** Math.min(attempt - 1, 20));
      this.#setState('reconnecting');
      await sleep(Math.floor(this.options.random() * cap), signal);
    }
    this.#setState('closed');
  }

  /**
   * The slot is gone or invalid: what happened meanwhile is lost. Subscribers are told (the
   * sink's reset), and with createIfMissing a new slot streams from now on.
   */
  async #slotLost(error: Error): Promise<void> {
    const { slot, createIfMissing, logger } = this.options;
    logger.error(
      { err: error, slot },
      createIfMissing ? 'replication slot lost: recreating it; changes meanwhile are lost' : 'replication slot lost',
    );
    try {
      if (createIfMissing) {
        const db = new pg.Client({ connectionString: this.options.url });
        await db.connect();
        try {
          await db.query(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active AND wal_status = 'lost'",
            [slot],
          );
          await ensureSlot(db, slot, true);
        } finally {
          await db.end();
        }
      }
      if (!this.#lossTold) await this.#sink.reset?.(`replication slot ${slot} lost`);
      this.#lossTold = true;
    } catch (cause) {
      logger.warn({ err: cause, slot }, 'replication slot recovery failed; retrying');
    }
  }

  /** Whether `prepare()` created the slot (a feed whose registry has channels then lost what was before). */
  get slotCreated(): boolean {
    return this.#slotCreated;
  }

  /** Frames read ahead and not handled yet (bounded by maxQueuedMessages plus one socket read). */
  get queued(): number {
    return this.#stream?.queued ?? 0;
  }

  async #consume(stream: ReplicationStream): Promise<void> {
    const decoder = new ChangeDecoder({ bigint: this.options.bigint });
    let tx: { lsn: bigint; seq: number; time: string; xid: number } | undefined;
    let confirmed = 0n;
    for (;;) {
      const next = await stream.next();
      if (next.done) return;
      const frame: StreamMessage = next.value;
      if (frame.type === 'keepalive') {
        // Frames are handled in order: outside a transaction everything before walEnd is done.
        if (!tx && frame.walEnd > confirmed) confirmed = frame.walEnd;
        if (frame.replyRequested || !tx) stream.confirm(confirmed);
        continue;
      }
      const message = decodePgoutput(frame.data);
      if (message.tag === 'begin') {
        tx = { lsn: message.finalLsn, seq: 0, time: message.commitTime, xid: message.xid };
      } else if (message.tag === 'commit') {
        tx = undefined;
        // Only forward: a transaction sent again (all seen) must not move the mark back.
        if (message.commitLsn >= this.#done.lsn) this.#done = { lsn: message.commitLsn, seq: Number.MAX_SAFE_INTEGER };
        confirmed = message.endLsn;
        stream.confirm(confirmed);
      } else if (message.tag === 'message') {
        if (message.prefix !== this.options.messagePrefix) continue;
        const lsn = tx?.lsn ?? message.lsn;
        const seq = tx ? tx.seq++ : 0;
        if (this.#seen(lsn, seq)) continue;
        await this.#sink.message(message.content, `${formatLsn(lsn)}:${seq}`);
        if (tx) this.#done = { lsn, seq };
      } else {
        for (const body of decoder.decode(message)) {
          if (!tx) throw new Error(`pgoutput ${message.tag} outside a transaction`);
          const seq = tx.seq++;
          if (this.#seen(tx.lsn, seq)) continue;
          await this.#sink.change({ ...body, commitTimestamp: tx.time, lsn: formatLsn(tx.lsn), seq, xid: tx.xid });
          this.#done = { lsn: tx.lsn, seq };
        }
      }
    }
  }

  #seen(lsn: bigint, seq: number): boolean {
    return lsn < this.#done.lsn || (lsn === this.#done.lsn && seq <= this.#done.seq);
  }
}

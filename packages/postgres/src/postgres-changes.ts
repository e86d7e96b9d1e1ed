/**
 * @module postgres-changes
 * The change feed installed on a relais node: an onSubscribe hook that checks every change
 * channel (table, event, filter: reply 102 or 107 with the reason) and starts routing to it,
 * and answers only once the feed is live; the feed publishing each change into its channels
 * through the node (`relais.publish`, with history where the namespace keeps it).
 * @example
 * const relais = createRelais({ namespaces: { pg: { publishAccess: 'nobody', historySize: 1000, historyTtlMs: 600_000 } } });
 * const changes = new PostgresChanges(relais, { url: 'postgres://127.0.0.1/app', tables: ['public.todos'] });
 * await changes.start();
 */
import pg from 'pg';
import { ERROR_CODES, ReplyError, silentLogger, type Logger, type Relais } from '@relais/server';
import { FilterError, parseFilters } from './filter.js';
import { changeChannel, type ChangeEvent } from './channels.js';
import { PostgresFeed, type PostgresFeedOptions } from './feed.js';
import { slotActive, DEFAULT_REGISTRY_TABLE, ensureRegistry, readRegistry, register, registryName } from './registry.js';
import { PostgresFeedError } from './errors.js';
import { restTables } from './rest-tables.js';
import { forget, subscribedChannels, UnusedChannels } from './unused-channels.js';
import { ChangeRouter } from './router.js';
import { parseTableName, tableKey, type TableName } from './setup.js';
import { readSnapshot, SnapshotTooLargeError, type Snapshot } from './snapshot.js';
import { AccessError, authorize, checkProxyRules, checkTableAccess, withoutHidden, type TableAccess } from './access.js';
import type { ClientDetails } from '@relais/server';

/** The RPC method a subscriber calls for the current rows of a change channel it subscribed to with `{snapshot: true}`. */
export const SNAPSHOT_METHOD = 'relais.changes.snapshot';

export interface PostgresChangesOptions extends Omit<PostgresFeedOptions, 'tables'> {
  /** Tables to stream: `table`, `schema.table`, or `{table, subscribe, rowFilter, hiddenColumns}` with access rules. */
  tables: (string | TableAccess)[];
  /** Namespace of the change channels. @default 'pg' */
  namespace?: string;
  /** Most distinct change channels (table, event, filter) the node routes to; beyond, subscribe gets 106. @default 10000 */
  maxChannels?: number;
  /** How long a subscribe waits for the feed to be live before reply 108 (temporary). @default 10000 */
  liveTimeoutMs?: number;
  /** Most rows one snapshot may hold; a larger one is refused with 106. @default 10000 */
  maxSnapshotRows?: number;
  /** How long a subscribe with `{snapshot: true}` allows its snapshot to be asked for. @default 60000 */
  snapshotGrantMs?: number;
  /** Table keeping the change channels in use, `table` or `schema.table` (see docs/postgres.md). @default 'relais_change_channels' */
  registryTable?: string;
  /** How long a change channel may have no subscriber on any node before it is forgotten (its route and registry row removed). @default 600000 */
  idleChannelMs?: number;
  /** How often the streaming node looks for unused channels; 0 never. @default 60000 */
  idleSweepIntervalMs?: number;
}

export const DEFAULT_NAMESPACE = 'pg';
export const DEFAULT_MAX_CHANNELS = 10_000;
export const DEFAULT_LIVE_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_SNAPSHOT_ROWS = 10_000;
export const DEFAULT_SNAPSHOT_GRANT_MS = 60_000;
export const DEFAULT_IDLE_CHANNEL_MS = 600_000;
export const DEFAULT_IDLE_SWEEP_INTERVAL_MS = 60_000;
/** How often a standby node checks, while answering a subscribe, whether some node streams the slot. */
const STANDBY_POLL_MS = 50;
/** Snapshot grants kept at most (the oldest go first): bounds what clients that never ask cost. */
const MAX_GRANTS = 10_000;

export class PostgresChanges {
  readonly feed: PostgresFeed;
  readonly router: ChangeRouter;
  readonly namespace: string;
  readonly #relais: Relais;
  readonly #liveTimeoutMs: number;
  readonly #registry: TableName;
  readonly #logger: Logger;
  #pool: pg.Pool | undefined;
  readonly #maxSnapshotRows: number;
  readonly #grantMs: number;
  /** `client channel` → when the grant ends: subscribes with `{snapshot: true}` that passed access checks. */
  readonly #grants = new Map<string, number>();
  /** Access rules by `schema.table`. */
  readonly #access = new Map<string, TableAccess>();
  readonly #hidden = new Map<string, ReadonlySet<string>>();
  #disposeRpc: (() => void) | undefined;
  #disposeStatus: (() => void) | undefined;
  readonly #abort = new AbortController();
  #running: Promise<void> | undefined;
  #disposeHook: (() => void) | undefined;
  readonly #idleChannelMs: number;
  readonly #idleSweepIntervalMs: number;
  readonly #unused = new UnusedChannels();
  /** When this node last answered a subscribe to each channel: one answered may not be counted by the hub yet. */
  readonly #answeredAt = new Map<string, number>();
  /** A sweep in progress: subscribes on this node wait for it, so none is answered on a route it then removes. */
  #sweeping: Promise<void> | undefined;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;

  constructor(relais: Relais, options: PostgresChangesOptions) {
    this.#relais = relais;
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.#liveTimeoutMs = options.liveTimeoutMs ?? DEFAULT_LIVE_TIMEOUT_MS;
    const logger = options.logger ?? relais.options.logger ?? silentLogger;
    this.#logger = logger;
    this.#registry = parseTableName(options.registryTable ?? DEFAULT_REGISTRY_TABLE);
    this.#maxSnapshotRows = options.maxSnapshotRows ?? DEFAULT_MAX_SNAPSHOT_ROWS;
    this.#grantMs = options.snapshotGrantMs ?? DEFAULT_SNAPSHOT_GRANT_MS;
    this.#idleChannelMs = nonNegative(options.idleChannelMs ?? DEFAULT_IDLE_CHANNEL_MS, 'idleChannelMs');
    this.#idleSweepIntervalMs = nonNegative(options.idleSweepIntervalMs ?? DEFAULT_IDLE_SWEEP_INTERVAL_MS, 'idleSweepIntervalMs');
    if (!Array.isArray(options.tables)) throw new TypeError('tables must list the tables to stream');
    const tables = options.tables.map((entry) => (typeof entry === 'string' ? { table: entry } : entry));
    for (const rule of tables) {
      checkTableAccess(rule);
      const key = tableKey(parseTableName(rule.table));
      this.#access.set(key, rule);
      if (rule.hiddenColumns?.length) this.#hidden.set(key, new Set(rule.hiddenColumns));
    }
    checkProxyRules(relais, this.namespace, tables);
    this.router = new ChangeRouter(relais, () => this.feed.tables, {
      namespace: this.namespace,
      hidden: (key) => this.#hidden.get(key),
      registry: tableKey(this.#registry),
      maxChannels: options.maxChannels ?? DEFAULT_MAX_CHANNELS,
      logger,
    });
    this.feed = new PostgresFeed(
      {
        ...options,
        tables: tables.map((rule) => rule.table),
        extraTables: [tableKey(this.#registry)],
        logger,
        beforeStream: () => this.#loadRegistry(),
      },
      this.router,
    );
  }

  /**
   * Checks and prepares the database (throws a PostgresFeedError saying what is wrong), installs
   * the subscribe hook and the snapshot RPC, starts streaming, and resolves once the feed is live,
   * or once it stands by because another node streams the slot (it then takes the slot over when
   * that node stops; meanwhile that node serves this one's subscribers through the engine).
   */
  async start(): Promise<void> {
    await this.#setUp();
    this.#watchStatus();
    this.#running = this.feed.run(this.#abort.signal);
    if (this.#idleSweepIntervalMs > 0) {
      this.#sweepTimer = setInterval(() => {
        this.forgetUnused().catch((error: unknown) => this.#logger.warn({ err: error }, 'unused change channels not swept'));
      }, this.#idleSweepIntervalMs);
      this.#sweepTimer.unref();
    }
    const deadline = Date.now() + this.#liveTimeoutMs;
    // Live, or standing by while another node streams the slot.
    for (;;) {
      const state: string = this.feed.state;
      if (state === 'live') return;
      if (state === 'reconnecting' && (await slotActive(this.#pool!, this.feed.options.slot).catch(() => false))) {
        this.#logger.info({ slot: this.feed.options.slot }, 'another node streams the slot: standing by');
        return;
      }
      if (Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, STANDBY_POLL_MS).unref());
    }
    await this.close();
    throw new PostgresFeedError(`the change feed did not stream within ${this.#liveTimeoutMs} ms (is the database reachable?)`);
  }

  async #setUp(): Promise<void> {
    if (this.#running) throw new Error('PostgresChanges already started');
    const { url, createIfMissing = true } = this.feed.options;
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await ensureRegistry(db, this.#registry, createIfMissing);
      await this.feed.prepare();
      for (const channel of await readRegistry(db, this.#registry)) this.#restore(channel);
      // Channels in use but a new slot: the old one was dropped, what it held is lost.
      if (this.feed.slotCreated && this.router.size > 0)
        await this.router.reset(`replication slot ${this.feed.options.slot} was recreated`);
    } finally {
      await db.end();
    }
    // ISO timestamps in UTC, as the stream writes them, for snapshot rows.
    this.#pool = new pg.Pool({ connectionString: url, max: 2, options: '-c DateStyle=ISO -c TimeZone=UTC' });
    this.#pool.on('error', (error) => this.#logger.warn({ err: error }, 'registry connection failed'));
    this.#disposeHook = this.#relais.onSubscribe(async ({ channel, client, data }) => {
      if (!channel.startsWith(`${this.namespace}:`)) return;
      await this.#subscribe(channel, client);
      if ((data as { snapshot?: unknown } | undefined)?.snapshot === true) this.#grant(client.client, channel);
    });
    this.#disposeRpc = this.#relais.rpc(SNAPSHOT_METHOD, ({ client, data }) => this.#snapshot(client.client, data));
  }

  /** After the feed was live: its subscribers hear when it loses Postgres and when it is back. */
  #watchStatus(): void {
    let wasLive = false;
    let told: 'live' | 'reconnecting' = 'live';
    this.#disposeStatus = this.feed.onState((state) => {
      if (state === 'live') wasLive = true;
      const status = state === 'live' ? 'live' : state === 'reconnecting' ? 'reconnecting' : undefined;
      if (!wasLive || !status || status === told) return;
      told = status;
      this.router.status(status).catch((error: unknown) => this.#logger.warn({ err: error }, 'feed status not published'));
    });
  }

  /**
   * Read before each stream starts: the slot resumes after what its last consumer confirmed (on
   * this node or another), which the table holds; later registrations come as changes.
   */
  async #loadRegistry(): Promise<void> {
    const { rows } = await this.#pool!.query<{ channel: string }>(`SELECT channel FROM ${registryName(this.#registry)}`);
    const listed = new Set(rows.map((row) => row.channel));
    for (const channel of this.router.channels()) if (!listed.has(channel)) this.router.remove(channel);
    for (const channel of listed) if (!this.router.has(channel)) this.#restore(channel);
  }

  #restore(channel: string): void {
    try {
      this.router.add(channel);
    } catch (error) {
      this.#logger.warn({ err: error, channel }, 'change channel in the registry is not valid here: not routed');
    }
  }

  /**
   * Checks the channel (102/106/107 with the reason), registers it when it is new, and answers
   * once the feed routes to it and is live: every change committed after that reaches it.
   */
  async #subscribe(channel: string, client: ClientDetails): Promise<void> {
    try {
      const { spec } = this.router.check(channel);
      const rule = this.#access.get(tableKey(spec));
      if (rule) authorize(rule, client, spec);
    } catch (error) {
      if (error instanceof AccessError) throw new ReplyError(ERROR_CODES.PERMISSION_DENIED, error.message);
      if (error instanceof FilterError) throw new ReplyError(error.code, error.message);
      if (error instanceof RangeError) throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, error.message);
      throw error;
    }
    const notLive = () => new ReplyError(ERROR_CODES.NOT_AVAILABLE, 'the change feed is not live', { temporary: true });
    // This node streams: it routes once the registration comes through its stream.
    if (this.feed.state === 'live') {
      // A sweep may be removing this channel's route: answer once it is done, from the route left.
      if (this.#sweeping) await this.#sweeping;
      this.#answeredAt.set(channel, Date.now());
      if (this.router.has(channel)) return;
      await this.#register(channel);
      if (!(await this.router.whenRouted(channel, this.#liveTimeoutMs))) throw notLive();
      return;
    }
    // This node stands by: the registration is committed, so whichever node streams the slot
    // routes every later change to the channel; the answer waits until one does.
    await this.#register(channel);
    const deadline = Date.now() + this.#liveTimeoutMs;
    const streaming = (): boolean => this.feed.state === 'live';
    while (!streaming()) {
      if (await slotActive(this.#pool!, this.feed.options.slot).catch(() => false)) return;
      if (Date.now() >= deadline) throw notLive();
      await new Promise((resolve) => setTimeout(resolve, STANDBY_POLL_MS).unref());
    }
  }

  /**
   * Forgets the change channels that had no subscriber on any node for `idleChannelMs` (the
   * streaming node does it every `idleSweepIntervalMs`): deletes their registry rows, stops
   * routing to them and publishes a RESET into each, so that a client recovering from its
   * history later hears that changes after it are missing. Returns the channels forgotten;
   * nothing when this node does not stream or some node did not say what its clients hold.
   */
  async forgetUnused(): Promise<string[]> {
    if (this.feed.state !== 'live' || !this.#pool || this.#sweeping) return [];
    let done = (): void => {};
    this.#sweeping = new Promise((resolve) => (done = resolve));
    try {
      return await this.#sweep(this.#pool);
    } finally {
      this.#sweeping = undefined;
      done();
    }
  }

  async #sweep(pool: pg.Pool): Promise<string[]> {
    const { rows } = await pool.query<{ now: Date }>('SELECT clock_timestamp() AS now');
    const subscribed = await subscribedChannels(this.#relais.cluster, this.namespace, this.#liveTimeoutMs);
    if (!subscribed) return [];
    const now = Date.now();
    for (const [channel, at] of this.#answeredAt) if (now - at >= this.#liveTimeoutMs) this.#answeredAt.delete(channel);
    const idle = this.#unused
      .update(this.router.channels(), subscribed, now, this.#idleChannelMs)
      .filter((channel) => !this.#answeredAt.has(channel));
    if (idle.length === 0) return [];
    // A subscribe on another node writes its row, then may take up to liveTimeoutMs to be answered and counted.
    const before = new Date(rows[0]!.now.getTime() - this.#liveTimeoutMs);
    // Read before the DELETE: the feed may stream it, and remove the routes, before it answers.
    const tables = new Map(idle.map((channel) => [channel, this.router.tableOf(channel)]));
    const forgotten = await forget(pool, this.#registry, idle, before);
    for (const channel of forgotten) {
      await this.router.forget(channel, 'change channel unused: changes were no longer routed to it', tables.get(channel));
    }
    if (forgotten.length > 0) this.#logger.info({ channels: forgotten.length }, 'forgot unused change channels');
    return forgotten;
  }

  async #register(channel: string): Promise<void> {
    try {
      return await register(this.#pool!, this.#registry, channel);
    } catch (error) {
      this.#logger.warn({ err: error, channel }, 'change channel registration failed');
      throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, 'the change feed cannot register the channel now', { temporary: true });
    }
  }

  #grant(client: string, channel: string): void {
    const key = `${client} ${channel}`;
    this.#grants.delete(key);
    this.#grants.set(key, Date.now() + this.#grantMs);
    if (this.#grants.size > MAX_GRANTS) this.#grants.delete(this.#grants.keys().next().value!);
  }

  /**
   * The current rows of a channel the client subscribed to with `{snapshot: true}` (the
   * subscribe's access checks are the snapshot's), and the snapshot they were read in. Asked
   * once subscribed: every change committed after that is delivered live, and those the rows
   * already hold are told apart by transaction id (see snapshot.ts).
   */
  async #snapshot(client: string, data: unknown): Promise<Snapshot> {
    const channel = (data as { channel?: unknown } | undefined)?.channel;
    if (typeof channel !== 'string') throw new ReplyError(ERROR_CODES.BAD_REQUEST, 'data.channel must be a change channel');
    const key = `${client} ${channel}`;
    const until = this.#grants.get(key);
    if (until === undefined || until < Date.now()) {
      this.#grants.delete(key);
      throw new ReplyError(ERROR_CODES.PERMISSION_DENIED, `subscribe to ${channel} with data {snapshot: true} first`);
    }
    const { spec } = this.router.check(channel);
    const db = await this.#pool!.connect();
    try {
      const snapshot = await readSnapshot(db, spec, this.#maxSnapshotRows, { bigint: this.feed.options.bigint });
      const hidden = this.#hidden.get(tableKey(spec));
      if (hidden) snapshot.rows = snapshot.rows.map((row) => withoutHidden(row, hidden)!);
      return snapshot;
    } catch (error) {
      if (error instanceof SnapshotTooLargeError) throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, error.message);
      throw error;
    } finally {
      db.release();
    }
  }

  /**
   * The change channel of this feed for a table, an event and an optional filter in the
   * `column=op.value` syntax (several joined by `&`), as Supabase's `postgres_changes` bindings
   * name them: `{schema: 'public', table: 'todos', event: 'UPDATE', filter: 'id=eq.7'}` →
   * `pg:public.todos:UPDATE:id=eq.7`. Throws a FilterError for an event that is not INSERT,
   * UPDATE, DELETE or `*` (any case) and for a malformed filter. Whether the table is streamed
   * and the filter fits its columns is checked when the channel is subscribed (reply 102, 107).
   */
  channelFor(spec: { schema?: string; table: string; event: string; filter?: string }): string {
    const event = spec.event.toUpperCase();
    if (!['INSERT', 'UPDATE', 'DELETE', '*'].includes(event))
      throw new FilterError(`event ${JSON.stringify(spec.event)} is not INSERT, UPDATE, DELETE or *`);
    const filters = spec.filter ? parseFilters(spec.filter) : undefined;
    return changeChannel(this.namespace, { schema: spec.schema || 'public', table: spec.table, event: event as ChangeEvent, filters });
  }

  /**
   * The configured tables for the PostgREST subset of @relais/supabase (`mountSupabase(relais,
   * {restTables: changes.restTables()})`): visible columns, access rules, the feed's pool. Use after `start()`.
   */
  restTables(): ReturnType<typeof restTables> {
    return restTables({
      tables: () => this.feed.tables,
      access: (key) => this.#access.get(key),
      hidden: (key) => this.#hidden.get(key),
      pool: () => this.#pool,
    });
  }

  /** Stops streaming (the slot keeps its position) and removes the hook. */
  async close(): Promise<void> {
    clearInterval(this.#sweepTimer);
    this.#disposeHook?.();
    this.#disposeRpc?.();
    this.#disposeStatus?.();
    this.#abort.abort();
    await this.#running;
    await this.#pool?.end();
    this.#pool = undefined;
  }
}

function nonNegative(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new PostgresFeedError(`option ${name} must be a whole number of ms, 0 or more, got ${String(value)}`);
  return value;
}

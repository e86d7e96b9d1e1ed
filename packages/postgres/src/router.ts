/**
 * @module router
 * Routes each change to the channels whose subscription it matches. Subscriptions are kept by
 * channel, so every subscriber of one (table, event, filter) costs one evaluation per change and
 * one publication, whatever their number and node; the engine fans it out.
 */
import type { ChangeSink } from './feed.js';
import type { RowChange } from './change.js';
import { compileFilters, FilterError, type RowPredicate } from './filter.js';
import { parseChangeChannel, type ChangeSpec } from './channels.js';
import { tableKey, type TableInfo } from './setup.js';

/** What the router publishes with (a relais node satisfies it). */
export interface Publisher {
  publish(channel: string, data: unknown, options: { idempotencyKey?: string; ephemeral?: boolean }): Promise<unknown>;
}

export interface Route {
  channel: string;
  spec: ChangeSpec;
  predicate: RowPredicate | undefined;
}

/** Transactional messages from SQL: `{channel, data, event?}` as JSON. */
interface SqlMessage {
  channel: string;
  data: unknown;
  event?: string;
}

export interface RouterOptions {
  namespace: string;
  /** `schema.table` of the channel registry: its changes add and remove routes (see registry.ts). */
  registry: string;
  /** Columns never published, by `schema.table`. */
  hidden?: (table: string) => ReadonlySet<string> | undefined;
  /** Most distinct change channels kept; subscribing to one more is refused. */
  maxChannels: number;
  logger: { warn(obj: object, msg: string): void };
}

export class ChangeRouter implements ChangeSink {
  readonly #publisher: Publisher;
  readonly #options: RouterOptions;
  readonly #tables: () => ReadonlyMap<string, TableInfo>;
  readonly #routes = new Map<string, Map<string, Route>>();
  readonly #waiters = new Map<string, Set<() => void>>();
  #count = 0;

  constructor(publisher: Publisher, tables: () => ReadonlyMap<string, TableInfo>, options: RouterOptions) {
    this.#publisher = publisher;
    this.#tables = tables;
    this.#options = options;
  }

  /** Routes in use, over all tables. */
  get size(): number {
    return this.#count;
  }

  /** The channels routed now. */
  channels(): string[] {
    return [...this.#routes.values()].flatMap((routes) => [...routes.keys()]);
  }

  /** Whether changes are routed to `channel` now. */
  has(channel: string): boolean {
    for (const routes of this.#routes.values()) if (routes.has(channel)) return true;
    return false;
  }

  /**
   * Checks a change channel against the configured tables: its table, event and filter. Throws
   * a FilterError saying what is wrong, or a RangeError when no more channels fit.
   */
  check(channel: string): Route {
    const spec = parseChangeChannel(this.#options.namespace, channel);
    const key = tableKey(spec);
    const info = this.#tables().get(key);
    if (!info) throw new FilterError(`table ${key} is not streamed (configured: ${[...this.#tables().keys()].join(', ') || 'none'})`, 102);
    let predicate: RowPredicate | undefined;
    if (spec.filters) {
      predicate = compileFilters(spec.filters, info.columns);
      // A DELETE only carries the key columns unless the table has REPLICA IDENTITY FULL.
      if (spec.event === 'DELETE' && info.replicaIdentity !== 'f') {
        throw new FilterError(`filtering DELETE on ${key} needs REPLICA IDENTITY FULL (ALTER TABLE ${key} REPLICA IDENTITY FULL)`);
      }
    }
    if (!this.has(channel) && this.#count >= this.#options.maxChannels)
      throw new RangeError(`at most ${this.#options.maxChannels} change channels`);
    return { channel, spec, predicate };
  }

  /** Starts routing to a checked channel (idempotent), and wakes whoever waits for it. */
  add(channel: string): void {
    const route = this.check(channel);
    const key = tableKey(route.spec);
    const routes = this.#routes.get(key) ?? new Map<string, Route>();
    if (!routes.has(channel)) {
      routes.set(channel, route);
      this.#routes.set(key, routes);
      this.#count++;
    }
    const waiters = this.#waiters.get(channel);
    this.#waiters.delete(channel);
    for (const wake of waiters ?? []) wake();
  }

  remove(channel: string): void {
    for (const routes of this.#routes.values()) if (routes.delete(channel)) this.#count--;
  }

  /** Resolves once changes are routed to `channel`; false when `timeoutMs` passed first. */
  whenRouted(channel: string, timeoutMs: number): Promise<boolean> {
    if (this.has(channel)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(channel) ?? new Set<() => void>();
      const wake = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0) this.#waiters.delete(channel);
        resolve(false);
      }, timeoutMs);
      timer.unref?.();
      waiters.add(wake);
      this.#waiters.set(channel, waiters);
    });
  }

  #registryChange(change: RowChange): void {
    if (change.event === 'TRUNCATE') {
      this.#routes.clear();
      this.#count = 0;
      return;
    }
    const channel = (change.event === 'DELETE' ? change.old : change.new)?.channel;
    if (typeof channel !== 'string') return;
    if (change.event === 'DELETE') return this.remove(channel);
    try {
      this.add(channel);
    } catch (error) {
      this.#options.logger.warn({ err: error, channel }, 'change channel in the registry is not valid here: not routed');
    }
  }

  async change(change: RowChange): Promise<void> {
    const key = `${change.schema}.${change.table}`;
    if (key === this.#options.registry) return this.#registryChange(change);
    const routes = this.#routes.get(key);
    if (!routes) return;
    const hidden = this.#options.hidden?.(key);
    if (hidden) change = stripHidden(change, hidden);
    for (const route of routes.values()) {
      if (!matches(route, change)) continue;
      await this.#publisher.publish(route.channel, change, { idempotencyKey: `${change.lsn}:${change.seq}` });
    }
  }

  /**
   * Tells every routed channel whether the feed streams: a STATUS message, live only (not kept in
   * history: a recovering subscriber needs changes, not past statuses).
   */
  async status(status: 'live' | 'reconnecting'): Promise<void> {
    const at = new Date().toISOString();
    for (const routes of this.#routes.values()) {
      for (const route of routes.values()) {
        const { schema, table } = route.spec;
        const change: RowChange = { schema, table, event: 'STATUS', status, commitTimestamp: at, lsn: '0/0', seq: 0, xid: 0 };
        await this.#publisher.publish(route.channel, change, { ephemeral: true });
      }
    }
  }

  /** The table a routed channel follows, or undefined when it is not routed. */
  tableOf(channel: string): { schema: string; table: string } | undefined {
    for (const routes of this.#routes.values()) {
      const route = routes.get(channel);
      if (route) return { schema: route.spec.schema, table: route.spec.table };
    }
    return undefined;
  }

  /**
   * Stops routing to `channel` and publishes a RESET into it (kept in history): a subscriber
   * recovering from before this point learns that changes after it are missing. `of` is its
   * table when the caller read it before the route could go: deleting the channel's registry
   * row removes the route too, as soon as the feed streams that DELETE, which may be before the
   * caller's DELETE query has even answered.
   */
  async forget(channel: string, reason: string, of = this.tableOf(channel)): Promise<void> {
    if (!of) return;
    this.remove(channel);
    const at = new Date().toISOString();
    const { schema, table } = of;
    const change: RowChange = { schema, table, event: 'RESET', reason, commitTimestamp: at, lsn: '0/0', seq: 0, xid: 0 };
    await this.#publisher.publish(channel, change, { idempotencyKey: `forget:${at}` });
  }

  /** Tells every routed channel that changes may be missing: a RESET change. */
  async reset(reason: string): Promise<void> {
    const at = new Date().toISOString();
    for (const routes of this.#routes.values()) {
      for (const route of routes.values()) {
        const { schema, table } = route.spec;
        const change: RowChange = { schema, table, event: 'RESET', reason, commitTimestamp: at, lsn: '0/0', seq: 0, xid: 0 };
        await this.#publisher.publish(route.channel, change, { idempotencyKey: `reset:${at}` });
      }
    }
  }

  async message(content: Buffer, id: string): Promise<void> {
    let body: SqlMessage;
    try {
      body = JSON.parse(content.toString('utf8')) as SqlMessage;
      if (typeof body !== 'object' || body === null || typeof body.channel !== 'string' || !('data' in body))
        throw new Error('expected {channel, data}');
    } catch (error) {
      this.#options.logger.warn({ err: error, id }, 'pg_logical_emit_message content is not {"channel": ..., "data": ...}: skipped');
      return;
    }
    const options: { idempotencyKey: string; event?: string } = { idempotencyKey: `sql:${id}` };
    if (typeof body.event === 'string') options.event = body.event;
    try {
      await this.#publisher.publish(body.channel, body.data, options);
    } catch (error) {
      // A message that cannot be published (unknown namespace, bad data) must not stop the feed.
      if (error instanceof TypeError) this.#options.logger.warn({ err: error, id, channel: body.channel }, 'SQL message not published');
      else throw error;
    }
  }
}

/** The change without hidden columns; filters never name them (refused at subscribe). */
function stripHidden(change: RowChange, hidden: ReadonlySet<string>): RowChange {
  const out: RowChange = { ...change };
  const drop = (row: Record<string, unknown> | undefined) => {
    if (!row) return undefined;
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) if (!hidden.has(key)) kept[key] = value;
    return kept;
  };
  if (change.new) out.new = drop(change.new);
  if (change.old) out.old = drop(change.old);
  if (change.unchanged) {
    const unchanged = change.unchanged.filter((name) => !hidden.has(name));
    if (unchanged.length > 0) out.unchanged = unchanged;
    else delete out.unchanged;
  }
  return out;
}

function matches(route: Route, change: RowChange): boolean {
  if (change.event === 'TRUNCATE' || change.event === 'RESET' || change.event === 'STATUS') return route.spec.event === '*';
  if (route.spec.event !== '*' && route.spec.event !== change.event) return false;
  if (!route.predicate) return true;
  const row = change.event === 'DELETE' ? change.old : change.new;
  return row !== undefined && route.predicate(row) === true;
}

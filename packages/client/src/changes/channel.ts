/**
 * @module changes/channel
 * Postgres change subscriptions (server side: @relais/postgres, docs/postgres.md): the channel
 * name of a (schema, table, event, filter), written the canonical way the server expects, and
 * the shape of the changes delivered.
 */
import { InvalidOptionsError } from '../errors.js';
import type { SubscribeOptions } from '../subscription-types.js';

export type ChangeEvent = 'INSERT' | 'UPDATE' | 'DELETE' | '*';
export type ChangeFilterOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';
type FilterValue = string | number | boolean;

/** One filter on a column; `in` takes a list. */
export interface ChangeFilter {
  column: string;
  op: ChangeFilterOp;
  value: FilterValue | FilterValue[];
}

export interface ChangesOptions extends SubscribeOptions {
  /** @default 'public' */
  schema?: string;
  table: string;
  /** @default '*' (every event) */
  event?: ChangeEvent;
  /**
   * `{column, op, value}`, or Supabase's `column=op.value` text (`id=in.(1,2)`); a list of them
   * must all hold.
   */
  filter?: ChangeFilter | string | (ChangeFilter | string)[];
  /** Namespace of the server's change channels. @default 'pg' */
  namespace?: string;
  /**
   * First deliver the rows matching now (a `snapshot` event), then every change committed after
   * them, none twice: also after a reconnect that could not recover. @default false
   */
  snapshot?: boolean;
}

/** One row change, as the server publishes it. */
export interface RowChange<Row = Record<string, unknown>> {
  schema: string;
  table: string;
  /** `RESET`: the server may have lost changes (its replication slot was lost): reload the rows. */
  event: Exclude<ChangeEvent, '*'> | 'TRUNCATE' | 'RESET' | 'STATUS';
  /** STATUS: whether the server's feed streams from Postgres (a ChangeSubscription emits it as `status`). */
  status?: 'live' | 'reconnecting';
  /** RESET: why. */
  reason?: string;
  /** Commit time of the transaction, ISO 8601 in UTC. */
  commitTimestamp: string;
  /** The row after INSERT and UPDATE (without the columns named in `unchanged`). */
  new?: Row;
  /** UPDATE and DELETE: the whole old row with REPLICA IDENTITY FULL, else its key columns. */
  old?: Partial<Row>;
  /** Columns the server could not send (unchanged large values). */
  unchanged?: string[];
  lsn: string;
  seq: number;
  /** Transaction id (32 bits). */
  xid: number;
}

/** The RPC method of the server's snapshots (`SNAPSHOT_METHOD` of @relais/postgres). */
export const SNAPSHOT_METHOD = 'relais.changes.snapshot';

/** The rows matching a change subscription, and which transactions they already hold. */
export interface ChangeSnapshot<Row = Record<string, unknown>> {
  rows: Row[];
  /** Transactions from this id on (32 bits) are not in `rows`. */
  xmax: number;
  /** Transactions in progress at the snapshot: not in `rows`. */
  xip: number[];
}

/** Whether the change of transaction `xid` is already in `snapshot` (ids compared modulo 2^32). */
export function inSnapshot(snapshot: Pick<ChangeSnapshot, 'xmax' | 'xip'>, xid: number): boolean {
  return ((xid - snapshot.xmax) | 0) < 0 && !snapshot.xip.includes(xid);
}

/**
 * What `subscribeChanges(options)` subscribes to: the change channel, the subscribe options
 * (with `{snapshot: true}` in their data when a snapshot is asked for, which the server's
 * snapshot RPC requires), and whether to read one.
 */
export function changeSubscribe(options: ChangesOptions): { channel: string; subscribe: SubscribeOptions; snapshot: boolean } {
  const { schema, table, event, filter, namespace, snapshot = false, ...subscribe } = options;
  const channel = changesChannel({ schema, table, event, filter, namespace });
  if (snapshot) subscribe.data = { ...(subscribe.data as object | undefined), snapshot: true };
  return { channel, subscribe, snapshot };
}

const EVENTS = new Set<string>(['INSERT', 'UPDATE', 'DELETE', '*']);
const OPS = new Set<string>(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in']);

const quote = (item: string): string => `"${item.replace(/["\\]/g, '\\$&')}"`;

function formatFilter(filter: ChangeFilter | string): string {
  if (typeof filter === 'string') return filter;
  if (typeof filter?.column !== 'string' || filter.column === '') throw new InvalidOptionsError('filter.column must be a non-empty string');
  if (!OPS.has(filter.op)) throw new InvalidOptionsError(`filter.op must be one of ${[...OPS].join(', ')}`);
  if (filter.op !== 'in') {
    if (Array.isArray(filter.value)) throw new InvalidOptionsError(`filter.value of ${filter.op} must be one value`);
    const value = String(filter.value);
    return `${filter.column}=${filter.op}.${/^"|&/.test(value) ? quote(value) : value}`;
  }
  const values = Array.isArray(filter.value) ? filter.value : [filter.value];
  if (values.length === 0) throw new InvalidOptionsError('filter.value of in must list at least one value');
  const items = values.map(String).map((item) => (/[",()\\&]/.test(item) || item.trim() !== item || item === '' ? quote(item) : item));
  return `${filter.column}=in.(${items.join(',')})`;
}

/**
 * The channel of a change subscription: `pg:<schema>.<table>[:<event>[:<filters joined by &>]]`.
 * @example changesChannel({ table: 'todos', filter: { column: 'done', op: 'eq', value: false } }) // 'pg:public.todos:*:done=eq.false'
 */
export function changesChannel(options: Pick<ChangesOptions, 'schema' | 'table' | 'event' | 'filter' | 'namespace'>): string {
  const { schema = 'public', table, event = '*', namespace = 'pg' } = options;
  if (typeof table !== 'string' || table === '') throw new InvalidOptionsError('table must be a non-empty string');
  if (typeof schema !== 'string' || schema === '') throw new InvalidOptionsError('schema must be a non-empty string');
  if (!EVENTS.has(event)) throw new InvalidOptionsError('event must be INSERT, UPDATE, DELETE or *');
  let channel = `${namespace}:${schema}.${table}`;
  if (event !== '*' || options.filter !== undefined) channel += `:${event}`;
  if (options.filter !== undefined) {
    const list = Array.isArray(options.filter) ? options.filter : [options.filter];
    if (list.length === 0) throw new InvalidOptionsError('filter must not be an empty list');
    // Sorted and without repeats, as the server names the channel.
    channel += `:${[...new Set(list.map(formatFilter))].sort().join('&')}`;
  }
  return channel;
}

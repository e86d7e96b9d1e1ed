/**
 * @module access
 * Who may subscribe to the changes of a table, decided once per subscription from the
 * connection's user and token claims, never per row: a subscribe rule (everyone, authenticated,
 * or a claim's value), a row rule (a filter bound to the claims, e.g. `user_id=eq.{sub}`, that
 * every subscription must have among its filters), and columns hidden from every change and snapshot.
 */
import type { ClientDetails, Relais } from '@relais/server';
import { FilterError, formatFilter, parseFilter, type FilterSpec } from './filter.js';
import type { ChangeSpec } from './channels.js';
import { PostgresFeedError } from './errors.js';

/** A table with access rules; a plain `tables` entry is `{ table }`. */
export interface TableAccess {
  /** `table` (schema public) or `schema.table`. */
  table: string;
  /**
   * Who may subscribe: `everyone`, `authenticated` (a user id), a claim that must hold a value, or
   * `proxy`: the node's subscribe backend hook (its `proxy` option, docs/proxy.md) decides, which
   * must then be configured for the change namespace. @default 'everyone'
   */
  subscribe?: 'everyone' | 'authenticated' | 'proxy' | { claim: string; equals: string | number | boolean };
  /**
   * A filter every subscription to this table must have (others may be added), `{claim}` standing for that claim of
   * the connection's token (`{sub}`: the user id), e.g. `owner_id=eq.{sub}`.
   */
  rowFilter?: string;
  /** Columns never sent: left out of `new`, `old` and snapshot rows, and not filterable. */
  hiddenColumns?: string[];
}

/** Refused by a table's rule; the subscriber gets 103 with `message`. */
export class AccessError extends Error {
  override readonly name = 'AccessError';
}

const PLACEHOLDER = /\{([A-Za-z_][\w.-]*)\}/g;

/** Checks the shape of a table's rules at startup. */
export function checkTableAccess(rule: TableAccess): void {
  const { subscribe } = rule;
  if (subscribe !== undefined && subscribe !== 'everyone' && subscribe !== 'authenticated' && subscribe !== 'proxy') {
    if (
      typeof subscribe !== 'object' ||
      typeof subscribe.claim !== 'string' ||
      !['string', 'number', 'boolean'].includes(typeof subscribe.equals)
    ) {
      throw new PostgresFeedError(`table ${rule.table}: subscribe must be 'everyone', 'authenticated', 'proxy' or {claim, equals}`);
    }
  }
  if (rule.rowFilter !== undefined) {
    try {
      parseFilter(rule.rowFilter);
    } catch (error) {
      throw new PostgresFeedError(`table ${rule.table}: rowFilter: ${(error as Error).message}`);
    }
  }
  if (rule.hiddenColumns !== undefined && (!Array.isArray(rule.hiddenColumns) || rule.hiddenColumns.some((c) => typeof c !== 'string'))) {
    throw new PostgresFeedError(`table ${rule.table}: hiddenColumns must list column names`);
  }
}

function claimOf(client: ClientDetails, name: string): unknown {
  if (name === 'sub') return client.user === '' ? undefined : client.user;
  return client.claims?.[name];
}

/** The row rule of `rule` for this client, or undefined without one. Throws AccessError when a claim it needs is missing. */
export function boundRowFilter(rule: TableAccess, client: ClientDetails): FilterSpec | undefined {
  if (rule.rowFilter === undefined) return undefined;
  const text = rule.rowFilter.replace(PLACEHOLDER, (_match, name: string) => {
    const value = claimOf(client, name);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new AccessError(`subscribing to ${rule.table} needs the claim ${name}`);
    }
    return String(value);
  });
  return parseFilter(text);
}

/** Throws AccessError when `client` may not subscribe to `spec` under `rule`. */
export function authorize(rule: TableAccess, client: ClientDetails, spec: ChangeSpec): void {
  // A hidden column is as unknown to filters as to rows.
  const hidden = spec.filters?.find((filter) => rule.hiddenColumns?.includes(filter.column));
  if (hidden) throw new FilterError(`unknown column ${JSON.stringify(hidden.column)}`);
  // 'proxy': the node's subscribe backend hook runs before this one and has let the subscribe through.
  const { subscribe = 'everyone' } = rule;
  if (subscribe === 'authenticated' && client.user === '')
    throw new AccessError(`subscribing to ${rule.table} needs an authenticated connection`);
  if (typeof subscribe === 'object') {
    const value = claimOf(client, subscribe.claim);
    const ok = Array.isArray(value) ? value.includes(subscribe.equals) : value === subscribe.equals;
    if (!ok) throw new AccessError(`subscribing to ${rule.table} needs the claim ${subscribe.claim} = ${String(subscribe.equals)}`);
  }
  const required = boundRowFilter(rule, client);
  if (required && !(spec.filters ?? []).some((filter) => formatFilter(filter) === formatFilter(required))) {
    throw new AccessError(`subscriptions to ${rule.table} must have the filter ${formatFilter(required)}`);
  }
}

/** `row` without the hidden columns (the same object when nothing is hidden). */
export function withoutHidden(row: Record<string, unknown> | undefined, hidden: ReadonlySet<string>): Record<string, unknown> | undefined {
  if (!row || hidden.size === 0) return row;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (!hidden.has(key)) out[key] = value;
  return out;
}

/**
 * Tables whose subscribes the backend decides (`subscribe: 'proxy'`) need the node's subscribe
 * hook for the change namespace: without it they would be open to everyone.
 */
export function checkProxyRules(relais: Relais, namespace: string, tables: readonly TableAccess[]): void {
  const decided = tables.filter((rule) => rule.subscribe === 'proxy').map((rule) => rule.table);
  if (decided.length === 0) return;
  const proxy = relais.options.proxy;
  const hooks = proxy && (proxy.namespaces.get(namespace) ?? proxy.channels);
  if (!hooks?.subscribe)
    throw new PostgresFeedError(
      `table ${decided.join(', ')}: subscribe 'proxy' needs the node's proxy.subscribe (or proxy.namespaces.${namespace}.subscribe) URL`,
    );
}

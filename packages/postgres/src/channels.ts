/**
 * @module channels
 * The channel of a change subscription: `<namespace>:<schema>.<table>[:<event>[:<filter>]]`,
 * e.g. `pg:public.todos` (every event, every row), `pg:public.todos:INSERT`,
 * `pg:public.todos:*:status=eq.done`, `pg:public.todos:*:done=eq.false&owner=eq.7`. The name is
 * canonical (event upper case, `*` and no filter left out at the end, filters sorted), so that every subscriber of one (table, event, filter) shares one
 * channel, one evaluation per change and one history.
 */
import { FilterError, formatFilters, parseFilters, type FilterSpec } from './filter.js';
import type { RowEvent } from './change.js';

export type ChangeEvent = RowEvent | '*';
const EVENTS = new Set<string>(['INSERT', 'UPDATE', 'DELETE', '*']);

export interface ChangeSpec {
  schema: string;
  table: string;
  event: ChangeEvent;
  /** Filters that must all hold; absent for every row. */
  filters?: FilterSpec[];
}

/** The canonical channel of a change subscription. */
export function changeChannel(namespace: string, spec: ChangeSpec): string {
  let name = `${namespace}:${spec.schema}.${spec.table}`;
  const filters = spec.filters?.length ? formatFilters(spec.filters) : '';
  if (spec.event !== '*' || filters) name += `:${spec.event}`;
  if (filters) name += `:${filters}`;
  return name;
}

/**
 * Parses a change channel of `namespace`; throws a FilterError when it is not one, and when it is
 * not written canonically (its canonical form is in the message).
 */
export function parseChangeChannel(namespace: string, channel: string): ChangeSpec {
  const prefix = `${namespace}:`;
  if (!channel.startsWith(prefix)) throw new FilterError(`${channel} is not a change channel of namespace ${namespace}`);
  const rest = channel.slice(prefix.length);
  const first = rest.indexOf(':');
  const table = first < 0 ? rest : rest.slice(0, first);
  const dot = table.indexOf('.');
  if (dot <= 0 || dot === table.length - 1 || table.indexOf('.', dot + 1) >= 0) {
    throw new FilterError(`channel ${channel}: expected ${prefix}<schema>.<table>[:<event>[:<filter>]]`);
  }
  const spec: ChangeSpec = { schema: table.slice(0, dot), table: table.slice(dot + 1), event: '*' };
  if (first >= 0) {
    const after = rest.slice(first + 1);
    const second = after.indexOf(':');
    const event = second < 0 ? after : after.slice(0, second);
    if (!EVENTS.has(event)) throw new FilterError(`channel ${channel}: event ${JSON.stringify(event)} is not INSERT, UPDATE, DELETE or *`);
    spec.event = event as ChangeEvent;
    if (second >= 0) spec.filters = parseFilters(after.slice(second + 1));
  }
  const canonical = changeChannel(namespace, spec);
  if (canonical !== channel) throw new FilterError(`channel ${channel} is not canonical: subscribe to ${canonical}`);
  return spec;
}

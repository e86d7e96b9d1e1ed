/**
 * @module postgrest/query
 * The query string and body of the PostgREST subset, checked against a table's visible columns:
 * `select` (`*` or column names), `limit`, `offset`, `order` (`col.asc|desc[.nullsfirst|nullslast]`),
 * `col=eq.value` filters, and for inserts `columns` and a JSON object or array of objects.
 */
import { badQuery, PostgrestError } from './errors.js';
import type { RestColumn, RestTable } from './tables.js';

export interface OrderTerm {
  column: string;
  descending: boolean;
  nulls?: 'first' | 'last';
}

export interface ReadQuery {
  columns: string[];
  filters: Array<{ column: string; value: string }>;
  order: OrderTerm[];
  limit?: number;
  offset?: number;
}

const unknownColumn = (table: RestTable, column: string): PostgrestError =>
  new PostgrestError(400, '42703', `column ${table.table}.${column} does not exist`);

/** `name` or `"name"` (PostgREST's quoting). */
function columnName(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1).replaceAll('""', '"');
  return trimmed;
}

function known(table: RestTable, column: string): string {
  if (!table.columns.some((c) => c.name === column)) throw unknownColumn(table, column);
  return column;
}

function selectList(table: RestTable, text: string | null): string[] {
  if (text === null || text.trim() === '*') return table.columns.map((c) => c.name);
  return text.split(',').map((part) => {
    const name = columnName(part);
    // Embeds, aliases, casts and JSON paths are not in this subset.
    if (name === '' || (!part.trim().startsWith('"') && /[():>\-!*]/.test(name)))
      throw badQuery(`"select=${text}" is not supported: list columns or *`, 'embedding, aliases, casts and JSON paths are not served');
    return known(table, name);
  });
}

function count(name: string, text: string | null): number | undefined {
  if (text === null) return undefined;
  if (!/^\d{1,9}$/.test(text)) throw badQuery(`"${name}=${text}" must be a non-negative integer`);
  return Number(text);
}

function orderTerms(table: RestTable, text: string | null): OrderTerm[] {
  if (text === null) return [];
  return text.split(',').map((part) => {
    const match = /^(.+?)(?:\.(asc|desc))?(?:\.(nullsfirst|nullslast))?$/.exec(part.trim());
    if (!match || /[()>]/.test(match[1]!) || (!match[1]!.startsWith('"') && match[1]!.includes('.')))
      throw badQuery(`"order=${text}" must be column.asc or column.desc`);
    const term: OrderTerm = { column: known(table, columnName(match[1]!)), descending: match[2] === 'desc' };
    if (match[3]) term.nulls = match[3] === 'nullsfirst' ? 'first' : 'last';
    return term;
  });
}

/** Parameters that are not filters. */
const READ_KEYS = new Set(['select', 'limit', 'offset', 'order']);

/** The GET query of `table`; throws a PostgrestError (400 PGRST100, 42703) for what is not served. */
export function parseRead(table: RestTable, params: URLSearchParams): ReadQuery {
  const filters: ReadQuery['filters'] = [];
  for (const [key, value] of params) {
    if (READ_KEYS.has(key)) continue;
    if (key === 'or' || key === 'and' || key === 'not' || key === 'columns' || key === 'on_conflict')
      throw badQuery(`"${key}" is not supported: only eq filters are served`);
    const column = known(table, columnName(key));
    if (!value.startsWith('eq.')) throw badQuery(`failed to parse filter (${value})`, 'only the eq operator is served');
    filters.push({ column, value: value.slice(3) });
  }
  for (const key of READ_KEYS) if (params.getAll(key).length > 1) throw badQuery(`"${key}" is given more than once`);
  const query: ReadQuery = {
    columns: selectList(table, params.get('select')),
    filters,
    order: orderTerms(table, params.get('order')),
  };
  const limit = count('limit', params.get('limit'));
  const offset = count('offset', params.get('offset'));
  if (limit !== undefined) query.limit = limit;
  if (offset !== undefined) query.offset = offset;
  return query;
}

export interface InsertQuery {
  /** Columns written, in order. */
  columns: string[];
  /** One value per column per row; `undefined` is the column's default. */
  rows: unknown[][];
  /** Columns of the representation. */
  returning: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The POST of `table`: a JSON object or a non-empty array of objects. With `columns` (what
 * supabase-js sends for arrays) those are written and others ignored; without, every row must
 * have the keys of the first. A missing key is null, or the default with `missingDefault`.
 */
export function parseInsert(table: RestTable, params: URLSearchParams, body: Buffer, missingDefault: boolean): InsertQuery {
  for (const key of params.keys())
    if (key !== 'select' && key !== 'columns') throw badQuery(`"${key}" is not supported on insert (only select and columns)`);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new PostgrestError(400, 'PGRST102', 'Empty or invalid json');
  }
  const rows = Array.isArray(value) ? value : [value];
  if (rows.length === 0 || !rows.every(isRecord))
    throw new PostgrestError(400, 'PGRST102', 'the body must be an object or a non-empty array of objects');
  const listed = params.get('columns');
  const columns = listed !== null ? listed.split(',').map(columnName) : Object.keys(rows[0]!);
  if (listed === null) {
    const first = [...columns].sort().join(',');
    if (rows.some((row) => Object.keys(row).sort().join(',') !== first))
      throw new PostgrestError(400, 'PGRST102', 'All object keys must match');
  }
  if (columns.length === 0) throw new PostgrestError(400, 'PGRST102', 'the rows have no columns');
  for (const column of columns) {
    if (!table.columns.some((c) => c.name === column))
      throw new PostgrestError(400, 'PGRST204', `Could not find the '${column}' column of '${table.table}' in the schema cache`);
  }
  const byName = new Map<string, RestColumn>(table.columns.map((c) => [c.name, c]));
  return {
    columns,
    rows: rows.map((row) =>
      columns.map((column) => {
        if (!(column in row)) return missingDefault ? undefined : null;
        return encodeValue(row[column], byName.get(column)!);
      }),
    ),
    returning: selectList(table, params.get('select')),
  };
}

const JSON_TYPES = new Set([114, 3802]);

/** A JSON value as a query parameter: json/jsonb columns get JSON text, objects too; arrays of other columns are Postgres arrays. */
function encodeValue(value: unknown, column: RestColumn): unknown {
  if (value === null) return null;
  if (JSON_TYPES.has(column.typeOid) || isRecord(value)) return JSON.stringify(value);
  return value;
}

/**
 * @module postgrest/sql
 * Parameterized SQL for the PostgREST subset: identifiers come from the database's catalog (the
 * feed's described tables) and are quoted; every value is a parameter, typed by Postgres from the
 * column it is compared with or written to. Rows come back as one JSON text, built by Postgres
 * (`json_agg`), so values are typed as PostgREST types them.
 */
import type { InsertQuery, ReadQuery } from './query.js';
import type { RestCondition, RestTable } from './tables.js';

export interface Statement {
  text: string;
  values: unknown[];
}

export const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const qualified = (table: RestTable): string => `${ident(table.schema)}.${ident(table.table)}`;

const OPERATORS: Record<Exclude<RestCondition['op'], 'in'>, string> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };

function condition(condition: RestCondition, values: unknown[]): string {
  values.push(condition.value);
  if (condition.op === 'in') return `${ident(condition.column)} = ANY($${values.length})`;
  return `${ident(condition.column)} ${OPERATORS[condition.op]} $${values.length}`;
}

const asJson = (inner: string): string => `SELECT coalesce(json_agg(r), '[]'::json)::text AS body FROM (${inner}) r`;

/** The rows of a GET, with the row rule's conditions. */
export function selectStatement(table: RestTable, query: ReadQuery, rules: readonly RestCondition[]): Statement {
  const values: unknown[] = [];
  const where = [...rules, ...query.filters.map((filter) => ({ column: filter.column, op: 'eq' as const, value: filter.value }))].map((c) =>
    condition(c, values),
  );
  let inner = `SELECT ${query.columns.map(ident).join(', ')} FROM ${qualified(table)}`;
  if (where.length > 0) inner += ` WHERE ${where.join(' AND ')}`;
  if (query.order.length > 0)
    inner += ` ORDER BY ${query.order
      .map(
        (term) =>
          `${ident(term.column)} ${term.descending ? 'DESC' : 'ASC'}${term.nulls ? ` NULLS ${term.nulls === 'first' ? 'FIRST' : 'LAST'}` : ''}`,
      )
      .join(', ')}`;
  if (query.limit !== undefined) inner += ` LIMIT $${values.push(query.limit)}`;
  if (query.offset !== undefined) inner += ` OFFSET $${values.push(query.offset)}`;
  return { text: asJson(inner), values };
}

/**
 * The INSERT, answering `refused` (rows that break the row rule: the caller rolls back) and
 * `body` (the representation, JSON text).
 */
export function insertStatement(table: RestTable, query: InsertQuery, rules: readonly RestCondition[]): Statement {
  const values: unknown[] = [];
  const tuples = query.rows.map(
    (row) => `(${row.map((value) => (value === undefined ? 'DEFAULT' : `$${values.push(value)}`)).join(', ')})`,
  );
  const check = rules.length > 0 ? rules.map((c) => condition(c, values)).join(' AND ') : 'true';
  return {
    text:
      `WITH ins AS (INSERT INTO ${qualified(table)} (${query.columns.map(ident).join(', ')}) VALUES ${tuples.join(', ')} RETURNING *) ` +
      `SELECT (SELECT count(*) FROM ins WHERE NOT coalesce(${check}, false))::int AS refused, ` +
      `(${asJson(`SELECT ${query.returning.map(ident).join(', ')} FROM ins`)}) AS body`,
    values,
  };
}

/**
 * @module postgrest/tables
 * The role the PostgREST subset reads tables through: the change feed's configured tables (their
 * visible columns and access rules) and a database to run parameterized SQL on. The feed's
 * `PostgresChanges.restTables()` (@relais/postgres) has it; this package loads no Postgres driver.
 */
import type { ClientDetails } from '@relais/server';

export interface RestColumn {
  name: string;
  typeOid: number;
}

/** A condition every row read or written must meet: a table's row rule bound to the claims. */
export interface RestCondition {
  column: string;
  op: 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in';
  value: string | string[];
}

export interface RestTable {
  schema: string;
  table: string;
  /** The columns requests may see and write, in table order (hidden columns left out). */
  columns: readonly RestColumn[];
  /** The table's subscribe rule and row rule for this client: the conditions, or why it is refused. */
  authorize(client: ClientDetails): { conditions: RestCondition[] } | { refused: string };
}

export interface RestDb {
  query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface RestTables {
  /** A configured table, or undefined. */
  table(schema: string, table: string): RestTable | undefined;
  /** Runs `work` in a transaction (rolled back when it throws). */
  transaction<T>(work: (db: RestDb) => Promise<T>): Promise<T>;
}

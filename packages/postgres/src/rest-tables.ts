/**
 * @module rest-tables
 * The feed's configured tables for a REST front-end (the PostgREST subset of @relais/supabase):
 * each table's visible columns, its subscribe rule and row rule for a client, and transactions
 * on the feed's pool. Structurally the `RestTables` role of @relais/supabase.
 */
import type pg from 'pg';
import type { ClientDetails } from '@relais/server';
import { AccessError, authorize, boundRowFilter, type TableAccess } from './access.js';
import type { FilterSpec } from './filter.js';
import type { TableInfo } from './setup.js';

export interface RestTablesSource {
  tables(): ReadonlyMap<string, TableInfo>;
  access(key: string): TableAccess | undefined;
  hidden(key: string): ReadonlySet<string> | undefined;
  pool(): pg.Pool | undefined;
}

export interface RestDb {
  query(text: string, values: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export function restTables(source: RestTablesSource) {
  return {
    table(schema: string, table: string) {
      const key = `${schema}.${table}`;
      const info = source.tables().get(key);
      if (!info) return undefined;
      const hidden = source.hidden(key);
      const rule = source.access(key) ?? { table: key };
      return {
        schema: info.schema,
        table: info.table,
        columns: info.columns.filter((column) => !hidden?.has(column.name)),
        authorize(client: ClientDetails): { conditions: FilterSpec[] } | { refused: string } {
          // The backend's subscribe hook decides subscriptions only: no request of the REST subset asks it.
          if (rule.subscribe === 'proxy')
            return {
              refused: `reading or writing ${rule.table} is not allowed: its subscriptions are decided by the backend's subscribe hook`,
            };
          try {
            const bound = boundRowFilter(rule, client);
            // The subscribe rule, checked as for a subscription carrying the row rule.
            authorize(rule, client, { schema: info.schema, table: info.table, event: '*', filters: bound ? [bound] : undefined });
            return { conditions: bound ? [bound] : [] };
          } catch (error) {
            if (error instanceof AccessError) return { refused: error.message.replace('subscribing to', 'reading or writing') };
            throw error;
          }
        },
      };
    },
    async transaction<T>(work: (db: RestDb) => Promise<T>): Promise<T> {
      const pool = source.pool();
      if (!pool) throw new Error('the change feed is not started');
      const db = await pool.connect();
      try {
        await db.query('BEGIN');
        const result = await work(db as unknown as RestDb);
        await db.query('COMMIT');
        return result;
      } catch (error) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        db.release();
      }
    },
  };
}

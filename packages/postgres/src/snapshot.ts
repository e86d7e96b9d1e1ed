/**
 * @module snapshot
 * The current rows of a change channel's table that match its filter, read in one REPEATABLE
 * READ transaction together with that transaction's snapshot (`pg_current_snapshot()`), so the
 * subscriber can tell which streamed changes the rows already hold: a change of transaction
 * `xid` is in the snapshot when `xid` precedes `xmax` and is not in `xip` (see `inSnapshot`).
 */
import type pg from 'pg';
import { parseValue, type ValueOptions } from './decode/values.js';
import type { ChangeSpec } from './channels.js';
import type { FilterOp } from './filter.js';

export interface Snapshot {
  rows: Record<string, unknown>[];
  /** Transactions at or after this id (32 bits) are not in the snapshot. */
  xmax: number;
  /** Transactions in progress when the snapshot was taken (32 bits): not in it either. */
  xip: number[];
}

/** The snapshot read holds more rows than allowed. */
export class SnapshotTooLargeError extends RangeError {
  override readonly name = 'SnapshotTooLargeError';
}

const SQL_OPS: Record<Exclude<FilterOp, 'in'>, string> = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' };
const ident = (text: string): string => `"${text.replaceAll('"', '""')}"`;
const XID_MOD = 2n ** 32n;

/** Whether a change of transaction `xid` is already in `snapshot` (32-bit xids compared modulo 2^32). */
export function inSnapshot(snapshot: Pick<Snapshot, 'xmax' | 'xip'>, xid: number): boolean {
  return ((xid - snapshot.xmax) | 0) < 0 && !snapshot.xip.includes(xid);
}

/** `xmin:xmax:xip,...` (64-bit ids) → 32-bit xmax and xip. */
export function parseSnapshot(text: string): Pick<Snapshot, 'xmax' | 'xip'> {
  const [, xmax, xip = ''] = text.split(':');
  if (xmax === undefined) throw new Error(`unexpected pg_current_snapshot() ${text}`);
  const to32 = (id: string): number => Number(BigInt(id) % XID_MOD);
  return { xmax: to32(xmax), xip: xip === '' ? [] : xip.split(',').map(to32) };
}

/** Reads the rows matching `spec` (at most `maxRows`, else SnapshotTooLargeError) and the snapshot they were read in. */
export async function readSnapshot(db: pg.ClientBase, spec: ChangeSpec, maxRows: number, options: ValueOptions): Promise<Snapshot> {
  const params: unknown[] = [];
  const conditions = (spec.filters ?? []).map((filter) => {
    params.push(filter.value);
    const column = ident(filter.column);
    return filter.op === 'in' ? `${column} = ANY($${params.length})` : `${column} ${SQL_OPS[filter.op]} $${params.length}`;
  });
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    // The first statement takes the transaction's snapshot; the rows are read in the same one.
    const { rows: snap } = await db.query<{ snapshot: string }>('SELECT pg_current_snapshot()::text AS snapshot');
    const result = await db.query({
      text: `SELECT * FROM ${ident(spec.schema)}.${ident(spec.table)}${where} LIMIT ${maxRows + 1}`,
      values: params,
      // Raw text, typed like the streamed changes.
      types: { getTypeParser: () => (value: string) => value },
    } as pg.QueryConfig);
    if (result.rows.length > maxRows) throw new SnapshotTooLargeError(`the snapshot holds more than ${maxRows} rows: narrow the filter`);
    const rows = result.rows.map((raw: Record<string, string | null>) => {
      const row: Record<string, unknown> = {};
      for (const field of result.fields) {
        const value = raw[field.name];
        row[field.name] = value === null || value === undefined ? null : parseValue(value, field.dataTypeID, options);
      }
      return row;
    });
    return { rows, ...parseSnapshot(snap[0]!.snapshot) };
  } finally {
    await db.query('COMMIT');
  }
}

/**
 * @module change
 * Turns decoded pgoutput messages into row changes: keeps the relations the stream described,
 * types every column (`decode/values`), attaches `old` (the whole row with REPLICA IDENTITY FULL,
 * else the key columns), and handles unchanged TOAST columns (filled from `old` when it has
 * them, else left out of `new` and named in `unchanged`).
 */
import type { PgoutputMessage, RelationMessage, TupleValue } from './decode/pgoutput.js';
import { parseValue, type ValueOptions } from './decode/values.js';

export type RowEvent = 'INSERT' | 'UPDATE' | 'DELETE';

/** One row change, as it is published (JSON). */
export interface RowChange {
  schema: string;
  table: string;
  /**
   * `RESET`: changes may have been lost (the slot was lost); reload the rows. `STATUS`: whether
   * the feed streams (`status`), sent live only.
   */
  event: RowEvent | 'TRUNCATE' | 'RESET' | 'STATUS';
  /** STATUS: `reconnecting` when the feed lost Postgres, `live` when it streams again. */
  status?: 'live' | 'reconnecting';
  /** When the transaction committed, ISO 8601 in UTC with microseconds. */
  commitTimestamp: string;
  /** The row after INSERT and UPDATE (without the columns named in `unchanged`). */
  new?: Record<string, unknown>;
  /** UPDATE and DELETE: the whole old row with REPLICA IDENTITY FULL, else its key columns (UPDATE: only when the key changed). */
  old?: Record<string, unknown>;
  /** RESET: why. */
  reason?: string;
  /** Columns of `new` that Postgres did not send (unchanged TOASTed values) and `old` did not hold. */
  unchanged?: string[];
  /** Commit LSN of the transaction, `X/Y`. */
  lsn: string;
  /** Index of this change in its transaction, from 0: `lsn` + `seq` identify a change. */
  seq: number;
  /** Id of the transaction (32 bits): tells whether a snapshot already holds the change. */
  xid: number;
}

export type ChangeBody = Omit<RowChange, 'lsn' | 'seq' | 'commitTimestamp' | 'xid'>;

function row(
  relation: RelationMessage,
  tuple: readonly TupleValue[],
  options: ValueOptions,
  skipUnchanged: string[] | undefined,
  keysOnly = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  relation.columns.forEach((column, i) => {
    const value = tuple[i];
    // A key-only old row ('K') sends NULL for every other column: they are not known, not NULL.
    if (value === undefined || (keysOnly && !column.isKey)) return;
    if (value === null) out[column.name] = null;
    else if (typeof value === 'string') out[column.name] = parseValue(value, column.typeOid, options);
    else skipUnchanged?.push(column.name);
  });
  return out;
}

/** Keeps relations and turns row messages into change bodies. */
export class ChangeDecoder {
  readonly #relations = new Map<number, RelationMessage>();
  readonly #options: ValueOptions;

  constructor(options: ValueOptions = {}) {
    this.#options = options;
  }

  /** The relation the stream described under `oid`; throws when it never did (a stream bug). */
  relation(oid: number): RelationMessage {
    const relation = this.#relations.get(oid);
    if (!relation) throw new Error(`pgoutput change for relation ${oid} before its Relation message`);
    return relation;
  }

  /** The changes one message carries (none for begin/commit/relation/type/origin/message). */
  decode(message: PgoutputMessage): ChangeBody[] {
    switch (message.tag) {
      case 'relation':
        this.#relations.set(message.relationOid, message);
        return [];
      case 'insert': {
        const relation = this.relation(message.relationOid);
        return [{ schema: relation.schema, table: relation.table, event: 'INSERT', new: row(relation, message.new, this.#options, []) }];
      }
      case 'update':
        return [this.#update(message)];
      case 'delete': {
        const relation = this.relation(message.relationOid);
        return [
          {
            schema: relation.schema,
            table: relation.table,
            event: 'DELETE',
            old: row(relation, message.old, this.#options, undefined, message.oldKind === 'K'),
          },
        ];
      }
      case 'truncate':
        return message.relationOids.map((oid) => {
          const relation = this.relation(oid);
          return { schema: relation.schema, table: relation.table, event: 'TRUNCATE' };
        });
      default:
        return [];
    }
  }

  #update(message: Extract<PgoutputMessage, { tag: 'update' }>): ChangeBody {
    const relation = this.relation(message.relationOid);
    const change: ChangeBody = { schema: relation.schema, table: relation.table, event: 'UPDATE' };
    const old = message.old ? row(relation, message.old, this.#options, undefined, message.oldKind === 'K') : undefined;
    const unchanged: string[] = [];
    const next = row(relation, message.new, this.#options, unchanged);
    // An unchanged TOASTed value is not sent; with REPLICA IDENTITY FULL the old row has it.
    const missing = unchanged.filter((name) => {
      if (old && name in old) {
        next[name] = old[name];
        return false;
      }
      return true;
    });
    change.new = next;
    if (old) change.old = old;
    if (missing.length > 0) change.unchanged = missing;
    return change;
  }
}

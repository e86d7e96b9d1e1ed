/**
 * @module moodboard/src/supabase/catch-up
 * What the Supabase page missed while its channel was down, read again. Supabase's
 * `postgres_changes` does not replay: a channel that rejoins gets the changes committed after it
 * is subscribed, nothing of what came before. On relais the join reply (realtime-js's
 * SUBSCRIBED) comes only once the change feed routes the channel, so reading the rows after
 * SUBSCRIBED and applying on them the changes that arrived while the read ran gives the table as
 * it is: nothing lost, nothing twice.
 */

/** The rows of the moods table as the page keeps them: ids as strings (the feed types int8 so, PostgREST as numbers). */
export type Row = Record<string, unknown> & { id: string };

/** A `postgres_changes` payload as realtime-js hands it to the seed's handler. */
export interface ChangePayload {
  eventType: string;
  new: Record<string, unknown>;
  old: Record<string, unknown>;
  [key: string]: unknown;
}

/** A row with its `id` as a string; other values as they are. */
export function normalizeRow(row: Record<string, unknown>): Record<string, unknown> {
  return row && row.id !== undefined && row.id !== null ? { ...row, id: String(row.id) } : row;
}

export function normalizeChange<P extends ChangePayload>(payload: P): P {
  return { ...payload, new: normalizeRow(payload.new), old: normalizeRow(payload.old) };
}

export interface CatchUpRoles {
  /** Applies one change to the page's rows (the seed's `handleRealtimeChange`). */
  apply(payload: ChangePayload): void;
  /** Reads the rows there are now (a PostgREST select). */
  read(): Promise<Row[]>;
  /** Replaces the page's rows. */
  replace(rows: Row[]): void;
}

/**
 * Passes every change to `apply` and, on `resync()`, replaces the rows by a fresh read, then
 * applies again the changes that arrived during the read (the read may or may not hold them: an
 * INSERT already there is a duplicate the seed drops, an UPDATE or DELETE applies once more to the
 * same effect). A resync started while one runs supersedes it.
 */
export class CatchUp {
  readonly #roles: CatchUpRoles;
  #during: ChangePayload[] | undefined;
  #generation = 0;

  constructor(roles: CatchUpRoles) {
    this.#roles = roles;
  }

  change(payload: ChangePayload): void {
    const normalized = normalizeChange(payload);
    this.#during?.push(normalized);
    this.#roles.apply(normalized);
  }

  /** Resolves once the rows are replaced (false when a later resync superseded this one); rejects when the read fails. */
  async resync(): Promise<boolean> {
    const generation = ++this.#generation;
    const during: ChangePayload[] = [];
    this.#during = during;
    let rows: Row[];
    try {
      rows = await this.#roles.read();
    } finally {
      if (this.#generation === generation) this.#during = undefined;
    }
    if (this.#generation !== generation) return false;
    this.#roles.replace(rows);
    for (const payload of during) this.#roles.apply(payload);
    return true;
  }
}

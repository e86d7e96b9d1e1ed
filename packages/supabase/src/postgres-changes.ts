/**
 * @module postgres-changes
 * What a join does with the `postgres_changes` entries of its config. This server has no
 * Postgres feed yet: the join is answered with an id per entry (so that realtime-js keeps its
 * bindings and broadcast and presence work on the channel) and a `system` error follows.
 * The role is small so that the Postgres feed can replace `disabledPostgresChanges`.
 */

/** One `postgres_changes` entry of a join config, as realtime-js sends it. */
export interface PostgresChangesBinding {
  event: string;
  schema?: string;
  table?: string;
  filter?: string;
}

/** What the join reply carries for the entries, and the `system` pushes that follow it. */
export interface PostgresChangesAnswer {
  /** The entries with their ids, in order (the `postgres_changes` of the join reply). */
  bindings: Array<PostgresChangesBinding & { id: number }>;
  /** `system` payloads to push after the reply. */
  system: Array<{ status: 'ok' | 'error'; extension: 'postgres_changes'; message: string }>;
}

/** Serves (or refuses) a join's postgres_changes entries. */
export interface PostgresChanges {
  join(bindings: readonly PostgresChangesBinding[]): PostgresChangesAnswer;
}

export const POSTGRES_CHANGES_DISABLED = 'postgres_changes is not enabled on this server';

/** The stand-in until the Postgres feed: ids for the bindings, then one `system` error (none for a join without bindings). */
export const disabledPostgresChanges: PostgresChanges = {
  join(bindings) {
    return {
      bindings: bindings.map((binding, index) => ({ ...binding, id: index + 1 })),
      system: bindings.length === 0 ? [] : [{ status: 'error', extension: 'postgres_changes', message: POSTGRES_CHANGES_DISABLED }],
    };
  },
};

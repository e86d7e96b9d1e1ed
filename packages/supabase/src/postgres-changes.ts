/**
 * @module postgres-changes
 * What a join does with the `postgres_changes` entries of its config. Without a change feed
 * (`disabledPostgresChanges`) the join is answered with an id per entry (so that realtime-js
 * keeps its bindings and broadcast and presence work on the channel) and a `system` error
 * follows. With one (`feedPostgresChanges`, over @relais/postgres) each entry is a subscription
 * of the channel's relais connection to the feed's change channel, and every change published
 * there becomes a `postgres_changes` event carrying the ids of the entries it answers.
 *
 * This module does not import @relais/postgres: the feed is the small `ChangeChannels` role
 * (the feed's `PostgresChanges` instance has it), so the front-end loads no Postgres driver.
 */

/** One `postgres_changes` entry of a join config, as realtime-js sends it. */
export interface PostgresChangesBinding {
  event: string;
  schema?: string;
  table?: string;
  filter?: string;
}

/** A `system` payload about postgres_changes (the channel's name is added by the channel). */
export interface PostgresChangesSystem {
  status: 'ok' | 'error';
  extension: 'postgres_changes';
  message: string;
}

/** The `postgres_changes` push realtime-js 2.x parses: the ids of the entries and the change. */
export interface PostgresChangesEvent {
  ids: number[];
  data: {
    schema: string;
    table: string;
    commit_timestamp: string;
    type: 'INSERT' | 'UPDATE' | 'DELETE';
    /** Column types; empty: the values are already typed JSON (realtime-js leaves them as they are). */
    columns: Array<{ name: string; type: string }>;
    record?: Record<string, unknown>;
    old_record?: Record<string, unknown>;
    errors: null;
  };
}

/** What a join's entries became. */
export interface PostgresChangesJoin {
  /** The entries with their ids, in order (the `postgres_changes` of the join reply). */
  bindings: Array<PostgresChangesBinding & { id: number }>;
  /** `system` payloads to push after the reply. */
  system: PostgresChangesSystem[];
  /** The relais channels this join listens to for changes. */
  channels: ReadonlySet<string>;
  /** The push for a publication on one of `channels`; undefined for what is not a row change. */
  event(channel: string, data: unknown): PostgresChangesEvent | undefined;
  /** A `system` payload for a publication on one of `channels` that tells of lost changes (the feed's RESET). */
  notice?(channel: string, data: unknown): PostgresChangesSystem | undefined;
}

/** Serves (or refuses) a join's postgres_changes entries. */
export interface PostgresChanges {
  /**
   * `subscribe` subscribes the channel's relais connection to a channel (the node's subscribe:
   * its hooks and access rules apply); it rejects with the node's reason. Resolves once every
   * subscription was answered.
   */
  join(bindings: readonly PostgresChangesBinding[], subscribe: (channel: string) => Promise<void>): Promise<PostgresChangesJoin>;
}

export const POSTGRES_CHANGES_DISABLED = 'postgres_changes is not enabled on this server';
/** The `system` message of a join whose entries are all live, as Supabase words it. */
export const POSTGRES_CHANGES_SUBSCRIBED = 'Subscribed to PostgreSQL';

const withIds = (bindings: readonly PostgresChangesBinding[]): Array<PostgresChangesBinding & { id: number }> =>
  bindings.map((binding, index) => ({ ...binding, id: index + 1 }));

/** The stand-in without a feed: ids for the bindings, then one `system` error (none for a join without bindings). */
export const disabledPostgresChanges: PostgresChanges = {
  join(bindings) {
    return Promise.resolve({
      bindings: withIds(bindings),
      system: bindings.length === 0 ? [] : [{ status: 'error', extension: 'postgres_changes', message: POSTGRES_CHANGES_DISABLED }],
      channels: new Set<string>(),
      event: () => undefined,
    });
  },
};

/** What the front-end needs of a change feed: the channel of a table, an event and a filter. */
export interface ChangeChannels {
  /** Throws (with the reason) for an event or filter it cannot serve. */
  channelFor(spec: { schema?: string; table: string; event: string; filter?: string }): string;
}

const ROW_EVENTS = new Set(['INSERT', 'UPDATE', 'DELETE']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(binding: PostgresChangesBinding): string {
  const filter = binding.filter ? `, filter: ${binding.filter}` : '';
  return `[event: ${binding.event}, schema: ${binding.schema ?? 'public'}, table: ${binding.table ?? '*'}${filter}]`;
}

/** A change of @relais/postgres (its publication data) as the `data` of a postgres_changes push. */
export function supabaseChange(change: unknown): PostgresChangesEvent['data'] | undefined {
  if (!isRecord(change) || typeof change.event !== 'string' || !ROW_EVENTS.has(change.event)) return undefined;
  const type = change.event as 'INSERT' | 'UPDATE' | 'DELETE';
  const data: PostgresChangesEvent['data'] = {
    schema: String(change.schema),
    table: String(change.table),
    commit_timestamp: String(change.commitTimestamp),
    type,
    columns: [],
    errors: null,
  };
  if (type !== 'DELETE') data.record = isRecord(change.new) ? change.new : {};
  if (type !== 'INSERT') data.old_record = isRecord(change.old) ? change.old : {};
  return data;
}

/**
 * postgres_changes over a change feed: each entry (`table` required, `schema` defaults to
 * `public`, `*` for either is refused) subscribes to the feed's channel for it; the entries
 * that could not subscribe are named in a `system` error, and when all could, a `system` ok
 * "Subscribed to PostgreSQL" follows the reply. Entries that name the same channel share it.
 */
export function feedPostgresChanges(feed: ChangeChannels): PostgresChanges {
  return {
    async join(bindings, subscribe) {
      const ids = new Map<string, number[]>();
      const failures: Array<{ id: number; text: string }> = [];
      const numbered = withIds(bindings);
      const pending = new Map<string, Array<PostgresChangesBinding & { id: number }>>();
      for (const binding of numbered) {
        let channel: string;
        try {
          if (!binding.table || binding.table === '*')
            throw new Error('postgres_changes needs a table (all tables of a schema are not served)');
          if (binding.schema === '*') throw new Error('postgres_changes needs a schema (not *)');
          channel = feed.channelFor({ schema: binding.schema, table: binding.table, event: binding.event, filter: binding.filter });
        } catch (error) {
          failures.push({ id: binding.id, text: `${describe(binding)}: ${(error as Error).message}` });
          continue;
        }
        const list = pending.get(channel) ?? [];
        list.push(binding);
        pending.set(channel, list);
      }
      await Promise.all(
        [...pending].map(async ([channel, list]) => {
          try {
            await subscribe(channel);
            ids.set(
              channel,
              list.map((binding) => binding.id),
            );
          } catch (error) {
            for (const binding of list) failures.push({ id: binding.id, text: `${describe(binding)}: ${(error as Error).message}` });
          }
        }),
      );
      const system: PostgresChangesSystem[] =
        bindings.length === 0
          ? []
          : failures.length === 0
            ? [{ status: 'ok', extension: 'postgres_changes', message: POSTGRES_CHANGES_SUBSCRIBED }]
            : [
                {
                  status: 'error',
                  extension: 'postgres_changes',
                  message: `Unable to subscribe to changes with given parameters: ${failures
                    .sort((a, b) => a.id - b.id)
                    .map((failure) => failure.text)
                    .join('; ')}`,
                },
              ];
      return {
        bindings: numbered,
        system,
        channels: new Set(ids.keys()),
        event(channel, change) {
          const channelIds = ids.get(channel);
          const data = channelIds && supabaseChange(change);
          return data ? { ids: channelIds, data } : undefined;
        },
        notice(channel, change) {
          if (!ids.has(channel) || !isRecord(change) || change.event !== 'RESET') return undefined;
          const reason = typeof change.reason === 'string' ? change.reason : 'the change feed was reset';
          return {
            status: 'error',
            extension: 'postgres_changes',
            message: `changes of ${String(change.schema)}.${String(change.table)} may have been lost (${reason}): reload the rows`,
          };
        },
      };
    },
  };
}

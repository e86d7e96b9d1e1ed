/**
 * @module moodboard/shared/protocol
 * The mood board's wire contract, written once for its two halves: the page (src/) and the
 * server half (server/). It imports nothing, so the page depends on @relais/client and
 * @relais/svelte only. The moods themselves travel as Postgres row changes (docs/postgres.md).
 */

/** The moods a page may post (the server refuses any other). */
export const MOODS = ['😀', '😎', '🤔', '😴', '🥳', '😤', '😭', '🤯', '❤️', '🚀'] as const;
export type Mood = (typeof MOODS)[number];

/** Longest author name, in characters after trimming. */
export const MAX_AUTHOR_LENGTH = 32;

/** RPC: where the moods are, `{ schema, table }`: the page subscribes to that table's changes. */
export const MOODBOARD_INFO_RPC = 'moodboard.info';
/** RPC: `{ emoji, author }` inserts a row; answers `{ id }`. Not resent by the SDK after a lost connection. */
export const MOODBOARD_ADD_RPC = 'moodboard.add';

export interface MoodboardInfo {
  schema: string;
  table: string;
}

export interface AddMood {
  emoji: Mood;
  author: string;
}

/**
 * One row of the moods table, as the change feed types it (`id` is an int8: a string). A type,
 * not an interface, so that it fits the SDK's `Record<string, unknown>` rows.
 */
export type MoodRow = {
  id: string;
  emoji: string;
  author: string;
  /** ISO 8601, UTC. */
  created_at: string;
};

export function isMood(value: unknown): value is Mood {
  return typeof value === 'string' && (MOODS as readonly string[]).includes(value);
}

/** A `{ schema, table }` RPC result; undefined when it is not one. */
export function infoOf(value: unknown): MoodboardInfo | undefined {
  const v = value as Partial<MoodboardInfo> | null;
  return typeof v?.schema === 'string' && typeof v.table === 'string' ? { schema: v.schema, table: v.table } : undefined;
}

/** Whether a row change's row has the columns of a mood. */
export function isMoodRow(value: unknown): value is MoodRow {
  const v = value as Partial<MoodRow> | null;
  return typeof v?.id === 'string' && typeof v.emoji === 'string' && typeof v.author === 'string' && typeof v.created_at === 'string';
}

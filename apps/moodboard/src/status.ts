/**
 * @module moodboard/src/status
 * The board's status line (seed 004's connecting / live / reconnecting): live only when the
 * change subscription is subscribed, its rows are loaded and the server's feed streams from
 * Postgres; before the first time, connecting; after it, reconnecting.
 */

export type BoardStatus = 'connecting' | 'live' | 'reconnecting';

export interface StatusInput {
  /** The change subscription is subscribed (so the connection is up). */
  subscribed: boolean;
  /** The snapshot of the rows arrived. */
  loaded: boolean;
  /** The server's feed, from its STATUS changes: `reconnecting` while it lost Postgres. */
  feed: 'live' | 'reconnecting';
  /** The board was live before. */
  wasLive: boolean;
}

export function boardStatus({ subscribed, loaded, feed, wasLive }: StatusInput): BoardStatus {
  if (subscribed && loaded && feed === 'live') return 'live';
  return wasLive ? 'reconnecting' : 'connecting';
}

/** What the status line says. */
export const STATUS_TEXT: Record<BoardStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live: moods appear as they are posted',
  reconnecting: 'Reconnecting… (moods posted meanwhile will appear)',
};

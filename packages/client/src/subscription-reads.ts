/**
 * @module subscription-reads
 * A subscription's reads of its channel: history (every page of a paging server, as one
 * result), presence and presence counts. Idempotent, so they queue offline and are resent.
 */
import type { ClientInfo, CommandParamsMap, HistoryParams, PresenceStatsResult, ResultMap } from '@relais/protocol';
import { readHistory } from './history-reader.js';
import type { HistoryOptions, HistoryPage, Publication } from './subscription-types.js';
import type { Timers } from './timer.js';

/** What the reads need from the client. */
export interface ReadHost {
  readonly timers: Timers;
  backoff(attempt: number): number;
  /** A read command (history, presence): queued offline, resent after a dropped connection. */
  read<M extends 'history' | 'presence' | 'presence_stats'>(
    method: M,
    params: CommandParamsMap[M],
    timeoutMs: number | undefined,
  ): Promise<ResultMap[M]>;
}

/** `sub.history(options)`: publications oldest first unless `reverse`. */
export async function readChannelHistory<T>(host: ReadHost, channel: string, options: HistoryOptions): Promise<HistoryPage<T>> {
  const params: HistoryParams = { channel };
  if (options.limit !== undefined) params.limit = options.limit;
  if (options.since !== undefined) params.since = { offset: options.since.offset, epoch: options.since.epoch };
  if (options.reverse !== undefined) params.reverse = options.reverse;
  const result = await readHistory(
    {
      read: (page) => host.read('history', page, options.timeoutMs),
      wait: (attempt) => new Promise((resolve) => host.timers.setTimeout(resolve, host.backoff(attempt))),
    },
    params,
  );
  const publications = result.publications.map((pub) => ({ ...pub, channel }) as Publication<T>);
  return { publications, offset: result.offset, epoch: result.epoch };
}

/** `sub.presence()`: who is subscribed, by client id. */
export async function readPresence(host: ReadHost, channel: string, timeoutMs: number | undefined): Promise<Record<string, ClientInfo>> {
  return (await host.read('presence', { channel }, timeoutMs)).clients;
}

/** `sub.presenceStats()`: how many clients and distinct users are subscribed. */
export async function readPresenceStats(host: ReadHost, channel: string, timeoutMs: number | undefined): Promise<PresenceStatsResult> {
  const { clients, users } = await host.read('presence_stats', { channel }, timeoutMs);
  return { clients, users };
}

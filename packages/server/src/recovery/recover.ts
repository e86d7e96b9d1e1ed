/**
 * @module recovery/recover
 * What a subscribe on a recoverable channel answers: the stream position, and with `since`
 * the missed publications or `recovered: false`. Pure, so it is tested with fixtures.
 */
import type { PublicationData, StreamPosition, SubscribeResult } from '@relais/protocol';
import type { HistoryResult, Publication } from '../broker.js';

/** The subscribe result's recovery fields, and the last offset they deliver. */
export interface RecoveryAnswer {
  result: Pick<SubscribeResult, 'recoverable' | 'offset' | 'epoch' | 'recovered' | 'publications'>;
  /** Live publications at or below this offset were delivered already (dedupe). */
  deliveredUpTo: number;
}

/** A publication as it travels in a subscribe or history result (its epoch is said once). */
export function publicationData(pub: Publication): PublicationData {
  const data: PublicationData = { data: pub.data };
  if (pub.event !== undefined) data.event = pub.event;
  if (pub.offset !== undefined) data.offset = pub.offset;
  if (pub.info !== undefined) data.info = pub.info;
  return data;
}

/**
 * `history` was read with `since` (or without, for a plain subscribe) after the broker
 * subscription started. Recovered means: same epoch, and the kept publications start right
 * after `since` (nothing was trimmed in between), so the client misses nothing.
 */
export function answerRecovery(since: StreamPosition | undefined, history: HistoryResult): RecoveryAnswer {
  const { position } = history;
  const result: RecoveryAnswer['result'] = { recoverable: true, offset: position.offset, epoch: position.epoch };
  if (since === undefined) return { result, deliveredUpTo: position.offset };
  const sameEpoch = since.epoch === position.epoch && since.offset <= position.offset;
  const first = history.publications[0];
  const complete = since.offset === position.offset || first?.offset === since.offset + 1;
  if (!sameEpoch || !complete) return { result: { ...result, recovered: false }, deliveredUpTo: position.offset };
  result.recovered = true;
  result.publications = history.publications.map(publicationData);
  return { result, deliveredUpTo: position.offset };
}

/** Held live publications that the subscribe result did not already deliver, in order. */
export function liveAfter(held: readonly Publication[], deliveredUpTo: number | undefined): Publication[] {
  if (deliveredUpTo === undefined) return [...held];
  // Ephemeral publications carry no offset: they are never in a replay, so they always pass.
  return held.filter((pub) => pub.offset === undefined || pub.offset > deliveredUpTo);
}

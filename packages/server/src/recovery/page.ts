/**
 * @module recovery/page
 * How many publications one `history` or recovering `subscribe` reply carries: as many as fit
 * in the page budget (maxPageBytes, less what the connection's queue already holds), measured
 * with the connection's codec; a publication larger than a page goes alone. And replies that
 * cannot be cut (presence) are refused when they do not fit in the queue. Pure, so it is tested
 * with fixtures.
 */
import { ERROR_CODES, ReplyError, type Codec, type HistoryResult, type PublicationData, type SubscribeResult } from '@relais/protocol';
import { frameBytes } from '../transport.js';

/** The node's page limits (see options). */
export interface PageLimits {
  maxPageBytes: number;
  maxQueueBytes: number;
}

/** The connection's numbers at the moment the reply is queued. */
export interface PageRoom {
  /** Bytes already waiting to be sent on the connection (transport buffer and outbox). */
  queuedBytes: number;
  /** The reply without its publications, encoded, in bytes. */
  envelopeBytes: number;
  maxPageBytes: number;
  maxQueueBytes: number;
}

/** What fits: the first `count` publications. */
export interface PageFit {
  count: number;
  /**
   * Nothing fits and never will on this connection: the first publication alone, in its
   * reply, is larger than maxQueueBytes. Set only when `count` is 0.
   */
  oversized: boolean;
}

/**
 * Takes publications in order while their bytes (each encoded once, plus one byte of array
 * separator) stay within `maxPageBytes - queuedBytes`. None fits while the queue holds most of
 * a page: the client asks again once it has read what is queued. A first publication larger
 * than `maxPageBytes` itself (a server publish can be) is taken alone when the whole reply fits
 * in the queue (`maxQueueBytes - queuedBytes`), so that paging progresses; when it could not
 * fit even in an empty queue it is `oversized`.
 */
export function fitPage(pubs: readonly PublicationData[], codec: Codec, room: PageRoom): PageFit {
  const budget = room.maxPageBytes - room.queuedBytes;
  let total = 0;
  for (let count = 0; count < pubs.length; count++) {
    const size = frameBytes(codec.encode(pubs[count])) + 1;
    if (total + size <= budget) {
      total += size;
      continue;
    }
    // The page is full, or the queue holds too much for now: the client reads on later.
    if (count > 0 || size <= room.maxPageBytes) return { count, oversized: false };
    // Larger than any page: sent alone once the queue has room for the whole reply.
    const reply = room.envelopeBytes + size;
    if (reply <= room.maxQueueBytes - room.queuedBytes) return { count: 1, oversized: false };
    return { count: 0, oversized: reply > room.maxQueueBytes };
  }
  return { count: pubs.length, oversized: false };
}

/** Size of `result` as a reply on `codec`, without its publications (any command id fits). */
function envelopeBytes(codec: Codec, result: object): number {
  return frameBytes(codec.encode({ id: Number.MAX_SAFE_INTEGER, result: { ...result, publications: [], more: true } }));
}

function fitResult(result: object, pubs: readonly PublicationData[], codec: Codec, limits: PageLimits, queuedBytes: number): PageFit {
  return fitPage(pubs, codec, { queuedBytes, envelopeBytes: envelopeBytes(codec, result), ...limits });
}

/**
 * Cuts a history result to one page: `more: true` when publications were left out (the client
 * reads on after the last one). A publication larger than any queue of this connection cannot
 * be sent at all: 106, rather than a reply that would close the connection again and again.
 */
export function pageHistory(result: HistoryResult, codec: Codec, limits: PageLimits, queuedBytes: number): void {
  const pubs = result.publications;
  const { count, oversized } = fitResult(result, pubs, codec, limits, queuedBytes);
  if (count === pubs.length) return;
  if (oversized) {
    const offset = pubs[0]?.offset;
    throw new ReplyError(
      ERROR_CODES.LIMIT_EXCEEDED,
      `publication ${offset ?? ''} is larger than this connection's queue (maxQueueBytes ${limits.maxQueueBytes})`,
    );
  }
  result.publications = pubs.slice(0, count);
  result.more = true;
}

/**
 * Cuts a recovered subscribe result to one page. A client that pages (`paged`) gets the first
 * page and `more: true`, and reads the rest with `history`; any other client, or a publication
 * too large for any queue, gets `recovered: false` (the explicit "not recovered").
 */
export function pageRecovery(result: SubscribeResult, paged: boolean, codec: Codec, limits: PageLimits, queuedBytes: number): void {
  const pubs = result.publications;
  if (result.recovered !== true || pubs === undefined) return;
  const { count, oversized } = fitResult(result, pubs, codec, limits, queuedBytes);
  if (count === pubs.length) return;
  if (!paged || oversized) {
    delete result.publications;
    result.recovered = false;
    return;
  }
  result.publications = pubs.slice(0, count);
  result.more = true;
}

/**
 * A reply that cannot be cut (presence) and that clients resend after a reconnect: refused with
 * 106 when it does not fit in the connection's queue now (temporary when it would fit in an
 * empty one), so that two of them answered together cannot close the connection as slow again
 * after every reconnect.
 */
export function checkWholeReply(result: object, codec: Codec, limits: PageLimits, queuedBytes: number): void {
  const bytes = frameBytes(codec.encode({ id: Number.MAX_SAFE_INTEGER, result }));
  if (bytes <= limits.maxQueueBytes - queuedBytes) return;
  const message = `reply of ${bytes} bytes does not fit in this connection's queue (maxQueueBytes ${limits.maxQueueBytes}, ${queuedBytes} queued)`;
  throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, message, { temporary: bytes <= limits.maxQueueBytes });
}

/**
 * @module catch-up
 * The rest of a recovery too large for one subscribe reply (SubscribeResult.more): read with
 * `history` from the last publication delivered up to the reply's offset, page by page, and
 * delivered once each, in order. A page that does not follow on (trimmed meanwhile, another
 * epoch) ends it as a gap: the subscription then says `recovered: false`. When the live
 * publications held meanwhile outgrew their bound (LiveBuffer), it reads on past the reply's
 * offset up to the last one let go of: a channel publishing faster than the bound per page
 * read keeps it reading history, at the pace of the pages, until it slows down.
 */
import type { PublicationData, StreamPosition, SubscribeResult } from '@relais/protocol';
import { readPage, type PageReader } from './history-reader.js';

/** What a catch-up needs from its subscription. */
export interface CatchUpHost extends PageReader {
  /** False once the subscribe this catch-up belongs to is over (connection lost, unsubscribed). */
  current(): boolean;
  /** Delivers one missed publication (the subscription deduplicates by offset). */
  deliver(pub: PublicationData): void;
  /** The highest offset of the live publications held meanwhile and let go of, if any. */
  droppedTo(): number | undefined;
  /** The highest offset of the live publications pushed meanwhile, if any. */
  newest(): number | undefined;
}

/** `recovered`: every publication up to the reply's offset was delivered. */
export type CatchUpOutcome = 'recovered' | 'gap' | 'abandoned';

/**
 * Delivers `result.publications`, then reads and delivers the pages after them up to
 * `result.offset` (or further: `host.droppedTo()`). `since` is the position the subscribe
 * recovered from. Rejects when a page read fails; resolves 'abandoned' as soon as the
 * subscribe is over.
 */
export async function catchUp(host: CatchUpHost, channel: string, result: SubscribeResult, since: StreamPosition): Promise<CatchUpOutcome> {
  const replyTop = result.offset ?? since.offset;
  // Asked again after every page: live publications may have been let go of meanwhile. Those
  // held follow on from the last one let go of, which is where the recovery may stop.
  const top = (): number => Math.max(replyTop, host.droppedTo() ?? 0);
  // Once some were let go of, each page reaches for the newest pushed, so that the pages gain
  // on the live stream: the recovery is done once fewer than the bound came during one page.
  const wanted = (): number => (host.droppedTo() === undefined ? replyTop : Math.max(replyTop, host.newest() ?? 0));
  const epoch = result.epoch ?? since.epoch;
  let last = since.offset;
  let page = result.publications ?? [];
  for (;;) {
    for (const pub of page) {
      if (pub.offset !== last + 1) return 'gap';
      host.deliver(pub);
      // A publication listener may have unsubscribed.
      if (!host.current()) return 'abandoned';
      last = pub.offset;
      if (last >= top()) return 'recovered';
    }
    if (last >= top()) return 'recovered';
    const next = await readPage(host, { channel, since: { offset: last, epoch }, limit: wanted() - last });
    if (!host.current()) return 'abandoned';
    if (next.epoch !== epoch || next.publications.length === 0) return 'gap';
    page = next.publications;
  }
}

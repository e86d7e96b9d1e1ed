/**
 * @module resume
 * A subscription the server stopped pushing (a `behind` push: its queue overflowed on a
 * namespace with slowConsumer 'catch-up') reads what it missed with `resume`, one page per
 * reply at its own pace, from the last publication it delivered, until the server says it is
 * live again.
 */
import type { PublicationData, ResumeParams, ResumeResult, StreamPosition } from '@relais/protocol';

/** What resuming needs from its subscription. */
export interface ResumeHost {
  /** False once the subscription this resume belongs to is over (connection lost, unsubscribed). */
  current(): boolean;
  /** The last position delivered. */
  position(): StreamPosition | undefined;
  resume(params: ResumeParams): Promise<ResumeResult>;
  /** Resolves when a page may be asked for again after one that came back empty with `more`. */
  wait(attempt: number): Promise<void>;
  /** Delivers one missed publication (the subscription deduplicates by offset). */
  deliver(pub: PublicationData): void;
}

/**
 * `live`: every missed publication was delivered and pushes follow. `gap`: the server no longer
 * keeps them; it pushes live from `position`, and what was missed in between is lost.
 */
export type ResumeOutcome = { outcome: 'live' } | { outcome: 'gap'; position: StreamPosition } | { outcome: 'abandoned' };

/** Sends `resume` from the last position delivered until the server answers without `more`. Rejects when a call fails. */
export async function resumeLive(host: ResumeHost, channel: string): Promise<ResumeOutcome> {
  for (let attempt = 0; ;) {
    const since = host.position();
    if (!since) return { outcome: 'abandoned' };
    const page = await host.resume({ channel, since });
    if (!host.current()) return { outcome: 'abandoned' };
    if (!page.recovered) return { outcome: 'gap', position: { offset: page.offset, epoch: page.epoch } };
    for (const pub of page.publications) {
      host.deliver(pub);
      // A publication listener may have unsubscribed.
      if (!host.current()) return { outcome: 'abandoned' };
    }
    if (page.more !== true) return { outcome: 'live' };
    // An empty page with `more`: the connection's queue is full for now.
    if (page.publications.length > 0) attempt = 0;
    else await host.wait(attempt++);
    if (!host.current()) return { outcome: 'abandoned' };
  }
}

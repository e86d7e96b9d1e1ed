/**
 * @module resume
 * A subscription the server stopped pushing (a `behind` push: its queue overflowed on a
 * namespace with slowConsumer 'catch-up') reads what it missed with `resume`, one page per
 * reply at its own pace, from the last publication it delivered, until the server says it is
 * live again.
 */
import type { PublicationData, ResumeParams, ResumeResult, StreamPosition } from '@relais/protocol';
import { RelaisError, ServerError } from './errors.js';

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

/** What the resume loop needs besides a ResumeHost. */
export interface ResumeLoopHost extends ResumeHost {
  /** A resume failed for a reason the app should hear of (not a timeout or a temporary refusal). */
  error(error: RelaisError): void;
  /** Missed publications are no longer kept: live again from `position`, the app told so. */
  gap(position: StreamPosition): void;
}

/**
 * Resumes until live, once per `behind` push: one that arrives while a resume is in flight
 * (the server fell behind again right after going live) makes the loop go round again, as the
 * reply it awaits may predate it. A failed resume is retried after the backoff.
 */
export class ResumeLoop {
  #behind = 0;
  #running = false;
  /** Bumped by `reset`, so that a loop from before it does not touch the next one's state. */
  #runs = 0;

  /** Whether a `behind` push is still to be resumed from. */
  get behind(): boolean {
    return this.#behind > 0;
  }

  /** A `behind` push arrived. */
  fellBehind(): void {
    this.#behind++;
  }

  /** Forgets every `behind` (connection lost: the resubscribe recovers, or unsubscribed). */
  reset(): void {
    this.#behind = 0;
    this.#running = false;
    this.#runs++;
  }

  /** Runs the loop unless it runs already; resolves when live, abandoned or reset. */
  async run(host: ResumeLoopHost, channel: string): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    const run = this.#runs;
    try {
      for (let attempt = 0; this.#behind > 0 && host.current();) {
        const seen = this.#behind;
        let outcome;
        try {
          outcome = await resumeLive(host, channel);
        } catch (error) {
          if (!host.current() || !(error instanceof RelaisError)) return;
          if (error.code !== 'RELAIS_ERR_TIMEOUT' && !(error instanceof ServerError && error.temporary)) host.error(error);
          await host.wait(attempt++);
          continue;
        }
        if (outcome.outcome === 'abandoned') return;
        this.#behind -= seen;
        if (outcome.outcome === 'gap') host.gap(outcome.position);
      }
    } finally {
      if (run === this.#runs) this.#running = false;
    }
  }
}

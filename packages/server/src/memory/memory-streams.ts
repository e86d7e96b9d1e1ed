/**
 * @module memory/memory-streams
 * Channel streams of the memory engine: offsets, epoch and the kept publications, trimmed by
 * size and TTL. Kept by the MemoryBus so that every MemoryBroker of a process shares them.
 */
import { randomBytes } from 'node:crypto';
import type { StreamPosition } from '@relais/protocol';
import type { HistoryOptions, HistoryQuery, HistoryResult, Publication } from '../broker.js';

interface Kept {
  pub: Publication;
  expiresAt: number;
}

interface Stream {
  epoch: string;
  /** When the stream was created or last published to (its meta TTL counts from there). */
  touchedAt: number;
  /** Offset of the latest publication; 0 before the first one. */
  top: number;
  /** Oldest first; offsets are consecutive. */
  kept: Kept[];
}

function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

/** A stream without publications is forgotten this long after its last publish (as Redis's meta TTL). */
export const DEFAULT_HISTORY_META_TTL_MS = 86_400_000;
/** Streams are swept for forgotten ones at most this often. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/**
 * A stream is created on its first publish or read. Its offset and epoch outlive its
 * publications until `metaTtlMs` after its last publish; then, once it keeps no publication,
 * it is forgotten (a later publish starts a new epoch, and a client recovering from the old one
 * is told its position is gone), so channels used once do not accumulate in memory.
 */
export class MemoryStreams {
  readonly #streams = new Map<string, Stream>();
  readonly #now: () => number;
  readonly #metaTtlMs: number;
  #sweptAt: number;

  constructor(now: () => number, metaTtlMs = DEFAULT_HISTORY_META_TTL_MS) {
    this.#now = now;
    this.#metaTtlMs = metaTtlMs;
    this.#sweptAt = now();
  }

  /** Streams held now (for tests and stats). */
  get size(): number {
    return this.#streams.size;
  }

  /** Gives `pub` the next offset, keeps it, and returns the stored copy. */
  append(pub: Publication, history: HistoryOptions): Publication {
    const stream = this.#stream(pub.channel);
    stream.touchedAt = this.#now();
    stream.top++;
    const stored: Publication = { ...pub, offset: stream.top, epoch: stream.epoch };
    stream.kept.push({ pub: stored, expiresAt: this.#now() + history.ttlMs });
    if (stream.kept.length > history.size) stream.kept.splice(0, stream.kept.length - history.size);
    this.#expire(stream);
    return stored;
  }

  read(channel: string, query: HistoryQuery): HistoryResult {
    const stream = this.#stream(channel);
    this.#expire(stream);
    const position: StreamPosition = { offset: stream.top, epoch: stream.epoch };
    const { since, limit, reverse = false } = query;
    if (limit === 0 || (since !== undefined && since.epoch !== stream.epoch)) return { publications: [], position };
    let kept = stream.kept;
    if (since !== undefined) kept = kept.filter((entry) => (entry.pub.offset ?? 0) > since.offset);
    let publications = kept.map((entry) => ({ ...entry.pub }));
    if (reverse) publications.reverse();
    if (limit !== undefined) publications = publications.slice(0, limit);
    return { publications, position };
  }

  remove(channel: string): void {
    const stream = this.#streams.get(channel);
    if (stream) stream.kept = [];
  }

  #stream(channel: string): Stream {
    this.#sweep();
    let stream = this.#streams.get(channel);
    if (!stream) this.#streams.set(channel, (stream = { epoch: newEpoch(), touchedAt: this.#now(), top: 0, kept: [] }));
    return stream;
  }

  /** Forgets the streams past their meta TTL that keep no publication. */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < Math.min(this.#metaTtlMs, MAX_SWEEP_INTERVAL_MS)) return;
    this.#sweptAt = now;
    for (const [channel, stream] of this.#streams) {
      if (now - stream.touchedAt < this.#metaTtlMs) continue;
      this.#expire(stream);
      if (stream.kept.length === 0) this.#streams.delete(channel);
    }
  }

  #expire(stream: Stream): void {
    const now = this.#now();
    let expired = 0;
    while (expired < stream.kept.length && (stream.kept[expired] as Kept).expiresAt <= now) expired++;
    if (expired > 0) stream.kept.splice(0, expired);
  }
}

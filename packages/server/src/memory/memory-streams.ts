/**
 * @module memory/memory-streams
 * Channel streams of the memory engine: offsets, epoch and the kept publications, trimmed per
 * channel by size, TTL and bytes, and over all channels by a node-wide byte cap. Kept by the
 * MemoryBus so that every MemoryBroker of a process shares them.
 *
 * A kept publication is its encoded body (publication-body: the bytes the Redis engine keeps
 * too), not the object: a parsed JSON value costs V8 up to ~30× its wire size (an empty nested
 * array is 2 bytes of JSON and ~56 bytes of heap), the body about its length. Live delivery
 * keeps using the object; only history reads decode.
 */
import { randomBytes } from 'node:crypto';
import type { StreamPosition } from '@relais/protocol';
import type { HistoryOptions, HistoryQuery, HistoryResult, Publication } from '../broker.js';
import { decodePublicationBody, encodePublicationBody, type PublicationBody } from '../publication-body.js';
import { KeptLedger, type LedgerEntry } from './kept-ledger.js';

/** One kept publication; `bytes` is the length of its encoded body. */
interface Kept extends LedgerEntry {
  readonly stream: Stream;
  readonly offset: number;
  /** The encoded body, one char per byte (see `keepBytes`). */
  readonly body: string;
  readonly expiresAt: number;
}

interface Stream {
  readonly channel: string;
  epoch: string;
  /** When the stream was created or last published to (its meta TTL counts from there). */
  touchedAt: number;
  /** Offset of the latest publication; 0 before the first one. */
  top: number;
  /**
   * The kept publications are `kept[head…]`, oldest first; their offsets are consecutive and
   * end at `top` (a trim never leaves a hole: recovery relies on it). Slots before `head` are
   * emptied on trim and compacted away once they are half the array.
   */
  kept: (Kept | undefined)[];
  head: number;
  /** Total `bytes` of the kept publications. */
  bytes: number;
}

/**
 * Kept bodies are latin1 strings, one char per byte, which maps every byte value exactly both
 * ways: V8 keeps such a string on its heap with ~16 bytes of overhead, where a Uint8Array of
 * its own costs ~250 bytes more (measured with --expose-gc), double a 100-byte chat message.
 */
function keepBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

/** A fresh unpooled copy of a kept body: decoded binary values view it, and nothing else. */
function keptBytes(body: string): Uint8Array {
  const bytes = Buffer.allocUnsafeSlow(body.length);
  bytes.write(body, 'latin1');
  return bytes;
}

function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

function keptCount(stream: Stream): number {
  return stream.kept.length - stream.head;
}

/** A stream without publications is forgotten this long after its last publish (as Redis's meta TTL). */
export const DEFAULT_HISTORY_META_TTL_MS = 86_400_000;
/** Default node-wide cap of the memory engine's kept publications (their encoded bodies): 64 MiB. */
export const DEFAULT_MAX_HISTORY_BYTES = 67_108_864;
/** Streams are swept for forgotten ones at most this often. */
const MAX_SWEEP_INTERVAL_MS = 60_000;
/** Emptied slots at the front of a stream's array are compacted once there are this many, and at least half. */
const MIN_COMPACT_SLOTS = 16;

export interface MemoryStreamsOptions {
  /** Clock, in ms. */
  now: () => number;
  /** See MemoryBusOptions.historyMetaTtlMs. @default DEFAULT_HISTORY_META_TTL_MS */
  metaTtlMs?: number;
  /** See MemoryBusOptions.maxHistoryBytes. @default DEFAULT_MAX_HISTORY_BYTES */
  maxBytes?: number;
}

/**
 * A stream is created on its first publish or read. Its offset and epoch outlive its
 * publications until `metaTtlMs` after its last publish; then, once it keeps no publication,
 * it is forgotten (a later publish starts a new epoch, and a client recovering from the old one
 * is told its position is gone), so channels used once do not accumulate in memory.
 *
 * Over all streams, at most `maxBytes` of encoded bodies are kept: past it the globally oldest
 * publications are dropped first, exactly as a size or TTL trim would (offsets and epochs
 * stay). A publication larger than `maxBytes` is not kept, and its channel keeps nothing.
 * Every publish does O(1) amortized work besides encoding and the trims it causes.
 */
export class MemoryStreams {
  readonly #streams = new Map<string, Stream>();
  /** Every kept publication, oldest append first. */
  readonly #ledger = new KeptLedger<Kept>();
  readonly #now: () => number;
  readonly #metaTtlMs: number;
  readonly #maxBytes: number;
  #sweptAt: number;

  constructor({ now, metaTtlMs = DEFAULT_HISTORY_META_TTL_MS, maxBytes = DEFAULT_MAX_HISTORY_BYTES }: MemoryStreamsOptions) {
    this.#now = now;
    this.#metaTtlMs = metaTtlMs;
    this.#maxBytes = maxBytes;
    this.#sweptAt = now();
  }

  /** Streams held now (for tests and stats). */
  get size(): number {
    return this.#streams.size;
  }

  /** Total length of the kept publications' encoded bodies, over all streams, in bytes. */
  get bytes(): number {
    return this.#ledger.bytes;
  }

  /** Publications kept now, over all streams. */
  get count(): number {
    return this.#ledger.count;
  }

  /**
   * Gives `pub` the next offset, keeps its encoded body, trims, and returns the publication to
   * deliver. Throws TypeError, taking no offset, when the publication cannot be encoded.
   */
  append(pub: Publication, history: HistoryOptions): Publication {
    const body = encodePublicationBody(pub);
    const stream = this.#stream(pub.channel);
    const now = this.#now();
    stream.touchedAt = now;
    stream.top++;
    this.#expire(stream, now);
    if (body.byteLength > this.#maxBytes) {
      // Kept, it would evict every other channel's history first: drop this channel's instead.
      this.#clear(stream);
    } else {
      const entry: Kept = {
        stream,
        offset: stream.top,
        body: keepBytes(body),
        bytes: body.byteLength,
        expiresAt: now + history.ttlMs,
        older: undefined,
        newer: undefined,
      };
      stream.kept.push(entry);
      stream.bytes += entry.bytes;
      this.#ledger.add(entry);
    }
    const maxBytes = history.maxBytes ?? Infinity;
    while (keptCount(stream) > 0 && (keptCount(stream) > history.size || stream.bytes > maxBytes)) this.#dropOldest(stream);
    this.#enforceCap(now);
    return { ...pub, offset: stream.top, epoch: stream.epoch };
  }

  read(channel: string, query: HistoryQuery): HistoryResult {
    const stream = this.#stream(channel);
    this.#expire(stream, this.#now());
    const position: StreamPosition = { offset: stream.top, epoch: stream.epoch };
    const { since, limit, reverse = false } = query;
    if (limit === 0 || (since !== undefined && since.epoch !== stream.epoch)) return { publications: [], position };
    // Kept offsets are consecutive up to `top`, so the first one after `since` is found by index.
    let from = stream.head;
    let to = stream.kept.length;
    if (since !== undefined) from = Math.min(to, Math.max(from, to - (stream.top - since.offset)));
    if (limit !== undefined) {
      if (reverse) from = Math.max(from, to - limit);
      else to = Math.min(to, from + limit);
    }
    const publications: Publication[] = [];
    for (let i = from; i < to; i++) {
      const entry = stream.kept[i] as Kept;
      let body: PublicationBody;
      try {
        body = decodePublicationBody(keptBytes(entry.body));
      } catch {
        // Data the node refuses at publish (a `__proto__` key), given to the broker directly:
        // skipped, as the Redis engine does, rather than making the whole history unreadable.
        continue;
      }
      publications.push({ channel, ...body, offset: entry.offset, epoch: stream.epoch });
    }
    if (reverse) publications.reverse();
    return { publications, position };
  }

  remove(channel: string): void {
    const stream = this.#streams.get(channel);
    if (stream) this.#clear(stream);
  }

  #stream(channel: string): Stream {
    this.#sweep();
    let stream = this.#streams.get(channel);
    if (!stream) {
      stream = { channel, epoch: newEpoch(), touchedAt: this.#now(), top: 0, kept: [], head: 0, bytes: 0 };
      this.#streams.set(channel, stream);
    }
    return stream;
  }

  /**
   * Drops the expired publications of every stream (so those of channels nobody touches stop
   * costing memory), and forgets the streams past their meta TTL that keep no publication.
   */
  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < Math.min(this.#metaTtlMs, MAX_SWEEP_INTERVAL_MS)) return;
    this.#sweptAt = now;
    for (const [channel, stream] of this.#streams) {
      this.#expire(stream, now);
      if (now - stream.touchedAt >= this.#metaTtlMs && keptCount(stream) === 0) this.#streams.delete(channel);
    }
  }

  /** Drops the stream's expired publications: they are at its front (one TTL per namespace). */
  #expire(stream: Stream, now: number): void {
    while (keptCount(stream) > 0 && (stream.kept[stream.head] as Kept).expiresAt <= now) this.#dropOldest(stream);
  }

  /** Node-wide: drops expired publications at the oldest end, then the oldest while over the cap. */
  #enforceCap(now: number): void {
    for (let oldest = this.#ledger.oldest; oldest; oldest = this.#ledger.oldest) {
      if (oldest.expiresAt > now && this.#ledger.bytes <= this.#maxBytes) return;
      // The ledger's oldest entry is its stream's oldest: a stream only ever loses its front.
      this.#dropOldest(oldest.stream);
    }
  }

  #clear(stream: Stream): void {
    while (keptCount(stream) > 0) this.#dropOldest(stream);
  }

  #dropOldest(stream: Stream): void {
    const entry = stream.kept[stream.head] as Kept;
    stream.kept[stream.head++] = undefined;
    stream.bytes -= entry.bytes;
    this.#ledger.remove(entry);
    if (stream.head === stream.kept.length) {
      stream.kept = [];
      stream.head = 0;
    } else if (stream.head >= MIN_COMPACT_SLOTS && stream.head * 2 >= stream.kept.length) {
      stream.kept.splice(0, stream.head);
      stream.head = 0;
    }
  }
}

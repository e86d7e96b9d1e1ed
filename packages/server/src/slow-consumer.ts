/**
 * @module slow-consumer
 * A connection's send queue overflowed: on channels whose namespace catches up (slowConsumer
 * 'catch-up') the queued publications are shed instead of closing the connection, and each
 * such channel falls behind with one `behind` push; the client reads what it missed with
 * `resume`. Runs only on overflow: the queue's frames are decoded again here, so that queuing
 * a frame costs nothing more when nobody is behind.
 */
import type { BehindPush, Codec, Frame, StreamPosition } from '@relais/protocol';

/** The channels of the overflowing connection, as shedding sees them. */
export interface SheddingChannels {
  /** Whether the publications of `channel` may be shed (it is live, its namespace catches up). */
  canFallBehind(channel: string): boolean;
  /**
   * The epoch the connection was last told for `channel`: a protocol v2 compact publication
   * leaves its epoch out when it has not changed since.
   */
  epochOf(channel: string): string | undefined;
}

/** What is left of an overflowing queue once publications were shed. */
export interface Shed {
  /** The frames kept, in their order. */
  kept: Frame[];
  /** One push per channel whose publications were shed, in the order they fell behind. */
  behind: BehindPush[];
}

/** The push that tells a client it is behind on `channel` after `upTo` (the last position it was sent). */
export function behindPush(channel: string, upTo: StreamPosition): BehindPush {
  return { type: 'behind', channel, offset: upTo.offset, epoch: upTo.epoch };
}

interface QueuedPublication {
  channel: string;
  offset: number | undefined;
  epoch: string | undefined;
}

/** The publication push a queued frame carries, if it carries exactly one. */
function publicationOf(frame: Frame, codec: Codec): QueuedPublication | undefined {
  let values: unknown[];
  try {
    values = codec.decode(frame);
  } catch {
    return undefined;
  }
  const value = values.length === 1 ? values[0] : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  const push = value as { type?: unknown; channel?: unknown; offset?: unknown; epoch?: unknown; c?: unknown; o?: unknown; ep?: unknown };
  if (push.type === undefined && typeof push.c === 'string') {
    // Protocol v2's compact publication (protocol.md §16): no type, one-letter keys.
    return {
      channel: push.c,
      offset: typeof push.o === 'number' ? push.o : undefined,
      epoch: typeof push.ep === 'string' ? push.ep : undefined,
    };
  }
  if (push.type !== 'publication' || typeof push.channel !== 'string') return undefined;
  return {
    channel: push.channel,
    offset: typeof push.offset === 'number' ? push.offset : undefined,
    epoch: typeof push.epoch === 'string' ? push.epoch : undefined,
  };
}

/**
 * Splits an overflowing queue: a channel that may fall behind does so at its first queued
 * publication with an offset, and every publication of it from there on is dropped (the client
 * reads them from history, ephemeral ones are live only); everything else is kept in order.
 * Undefined when no channel falls behind: the connection then closes as slow (3008).
 */
export function shedPublications(frames: readonly Frame[], codec: Codec, channels: SheddingChannels): Shed | undefined {
  let behind: Map<string, BehindPush> | undefined;
  // Compact publications carry their epoch only when it changed: the last one seen in the queue,
  // or before it the one the connection was told.
  const epochs = new Map<string, string>();
  const kept: Frame[] = [];
  for (const frame of frames) {
    const pub = publicationOf(frame, codec);
    if (pub !== undefined && behind?.has(pub.channel)) continue;
    if (pub?.epoch !== undefined) epochs.set(pub.channel, pub.epoch);
    const epoch = pub && (epochs.get(pub.channel) ?? channels.epochOf(pub.channel));
    if (pub?.offset !== undefined && epoch !== undefined && channels.canFallBehind(pub.channel)) {
      (behind ??= new Map()).set(pub.channel, behindPush(pub.channel, { offset: pub.offset - 1, epoch }));
      continue;
    }
    kept.push(frame);
  }
  return behind === undefined ? undefined : { kept, behind: [...behind.values()] };
}

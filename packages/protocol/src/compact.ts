/**
 * @module compact
 * Protocol v2's compact publication push: the fields of a publication push under one-letter
 * keys, without `type`, and without the epoch unless the server says it changed. Only the
 * fan-out writes it; every other frame of v2 is the v1 frame (docs/protocol.md, §16).
 */
import { isPlainObject } from './data.js';
import { ProtocolError } from './errors.js';
import type { ClientInfo, PublicationPush } from './frames.js';

/**
 * A publication push of protocol v2. `ep` is present when the epoch may differ from the last
 * one this connection received for the channel (in the subscribe reply or a publication);
 * absent, the epoch is that last one.
 */
export interface CompactPublication {
  /** Channel. */
  c: string;
  /** Offset, on channels with history (never on ephemeral publications). */
  o?: number;
  /** Epoch of `o`, when it may have changed. */
  ep?: string;
  /** Event name. */
  e?: string;
  /** Publisher, for publications made by clients. */
  i?: ClientInfo;
  /** Data. */
  d: unknown;
}

/** The compact form of `push`; the epoch is written only `withEpoch`. Fields left undefined are dropped. */
export function compactPublication(push: PublicationPush, withEpoch: boolean): CompactPublication {
  const compact: CompactPublication = { c: push.channel } as CompactPublication;
  if (push.offset !== undefined) compact.o = push.offset;
  if (withEpoch && push.epoch !== undefined) compact.ep = push.epoch;
  if (push.event !== undefined) compact.e = push.event;
  if (push.info !== undefined) compact.i = push.info;
  compact.d = push.data;
  return compact;
}

function invalid(message: string): ProtocolError {
  return new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', message);
}

/**
 * Reads a compact publication back as the publication push it stands for (its epoch left out
 * when `ep` was). Lenient like every server frame: unknown keys are ignored. Throws
 * ProtocolError when a known key has the wrong type.
 */
export function expandPublication(value: Record<string, unknown>): PublicationPush {
  const { c: channel, o: offset, ep: epoch, e: event, i: info } = value;
  if (typeof channel !== 'string') throw invalid('compact publication must carry a channel (c)');
  if (!('d' in value)) throw invalid('compact publication must carry data (d)');
  const push: PublicationPush = { type: 'publication', channel, data: value.d };
  if (offset !== undefined) {
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
      throw invalid('compact publication offset (o) must be a non-negative integer');
    }
    push.offset = offset;
  }
  if (epoch !== undefined) {
    if (typeof epoch !== 'string') throw invalid('compact publication epoch (ep) must be a string');
    push.epoch = epoch;
  }
  if (event !== undefined) {
    if (typeof event !== 'string') throw invalid('compact publication event (e) must be a string');
    push.event = event;
  }
  if (info !== undefined) {
    if (!isPlainObject(info) || typeof info.client !== 'string' || typeof info.user !== 'string') {
      throw invalid('compact publication info (i) must be {client, user, info?}');
    }
    push.info = info as unknown as ClientInfo;
  }
  return push;
}

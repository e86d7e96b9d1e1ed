/**
 * @module trace/trace-frame
 * What a trace shows of one frame: who, which way, what kind, and the decoded frame (cut to a
 * bounded size); and the target a trace follows (a user, or a channel).
 */
import type { Codec, Frame } from '@relais/protocol';

/** What a trace follows: every frame of one user's connections, or the frames about one channel. */
export type TraceTarget = { user: string } | { channel: string };

/** One traced event of a connection. */
export interface TraceFrame {
  /** When the node saw it, in ms since the epoch. */
  at: number;
  /** The node holding the connection. */
  node: string;
  client: string;
  user: string;
  /** `in`: from the client; `out`: to the client. */
  direction: 'in' | 'out';
  /** A command (in), its reply or a push (out), the connection established or closed. */
  kind: 'command' | 'reply' | 'push' | 'connect' | 'close';
  /** The decoded frame (see `shownValue`); the close's `{code}`; the connect's `{transport}`. */
  frame: unknown;
}

/** Longest frame a trace shows in full, in characters of its JSON; longer ones are cut. */
export const MAX_TRACED_FRAME_CHARS = 4_096;

/** Binary values (MessagePack bytes) as their length: a trace travels as JSON. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? { binary: value.byteLength } : value;
}

/**
 * A decoded value as a trace shows it: JSON-safe, and when its JSON is longer than
 * MAX_TRACED_FRAME_CHARS, only its envelope (`id`, `method`, `type`, `channel`) with `truncated`.
 */
export function shownValue(value: unknown): unknown {
  const text = JSON.stringify(value, replacer) ?? 'null';
  if (text.length <= MAX_TRACED_FRAME_CHARS) return JSON.parse(text) as unknown;
  const shown: Record<string, unknown> = { truncated: true, chars: text.length };
  if (typeof value === 'object' && value !== null) {
    const fields = value as Record<string, unknown>;
    for (const key of ['id', 'method', 'type', 'channel'] as const) if (fields[key] !== undefined) shown[key] = fields[key];
    const params = fields.params as { channel?: unknown } | undefined;
    if (typeof params?.channel === 'string') shown.channel = params.channel;
  }
  return shown;
}

/** The values of one transport message, or one `{undecodable}` value when the codec rejects it. */
export function decodeForTrace(codec: Codec, message: Frame): unknown[] {
  try {
    return codec.decode(message);
  } catch {
    return [{ undecodable: typeof message === 'string' ? message.length : message.byteLength }];
  }
}

/** The channel a command (its params) or a push names, if any. */
export function channelOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const fields = value as { channel?: unknown; params?: { channel?: unknown } };
  if (typeof fields.channel === 'string') return fields.channel;
  const channel = typeof fields.params === 'object' && fields.params !== null ? fields.params.channel : undefined;
  return typeof channel === 'string' ? channel : undefined;
}

/** The id of a command or reply; undefined for a push. */
export function idOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'number' ? id : undefined;
}

/** Checks a trace target from the outside: exactly one of `user` or `channel`, a string. */
export function checkTraceTarget(target: unknown): TraceTarget {
  if (typeof target !== 'object' || target === null || Array.isArray(target))
    throw new TypeError('a trace target is an object {user} or {channel}');
  const { user, channel, ...rest } = target as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw new TypeError(`unknown field ${JSON.stringify(extra.slice(0, 32))} in a trace target`);
  if ((user === undefined) === (channel === undefined)) throw new TypeError('a trace target names either a user or a channel');
  if (user !== undefined) {
    if (typeof user !== 'string' || user === '') throw new TypeError('a trace target user must be a non-empty string');
    return { user };
  }
  if (typeof channel !== 'string' || channel === '') throw new TypeError('a trace target channel must be a non-empty string');
  return { channel };
}

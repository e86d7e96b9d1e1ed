/**
 * @module phoenix-message
 * The Phoenix channel message as realtime-js speaks it, and its serializers: 1.0.0 (one JSON
 * object per frame), 2.0.0 (a JSON array `[join_ref, ref, topic, event, payload]`, and the
 * binary "user broadcast push" frame realtime-js 2.x sends for `broadcast`).
 * Inbound frames are checked strictly: anything else throws PhoenixFrameError.
 */

/** The serializer versions a client may ask for with `?vsn=`. */
export type Vsn = '1.0.0' | '2.0.0';

export const SUPPORTED_VSNS: readonly Vsn[] = ['1.0.0', '2.0.0'];

/** Phoenix's own default when the client names no `vsn`. */
export const DEFAULT_VSN: Vsn = '1.0.0';

/** One Phoenix message. `ref` matches a reply to its push; `join_ref` names the channel join. */
export interface PhoenixMessage {
  join_ref: string | null;
  ref: string | null;
  topic: string;
  event: string;
  payload: unknown;
}

/** A frame that is not a Phoenix message. */
export class PhoenixFrameError extends Error {
  override readonly name = 'PhoenixFrameError';
}

/** Kind byte of the binary frame a client sends for `broadcast` (realtime's V2 serializer). */
const USER_BROADCAST_PUSH = 3;
const BINARY_ENCODING = 0;
const JSON_ENCODING = 1;

function refOf(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  throw new PhoenixFrameError(`${field} must be a string or null`);
}

function checked(join_ref: unknown, ref: unknown, topic: unknown, event: unknown, payload: unknown): PhoenixMessage {
  if (typeof topic !== 'string' || topic === '') throw new PhoenixFrameError('topic must be a non-empty string');
  if (typeof event !== 'string' || event === '') throw new PhoenixFrameError('event must be a non-empty string');
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    throw new PhoenixFrameError('payload must be a JSON object');
  return { join_ref: refOf(join_ref, 'join_ref'), ref: refOf(ref, 'ref'), topic, event, payload };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new PhoenixFrameError('frame is not valid JSON');
  }
}

/** Decodes a text frame of serializer `vsn`. */
export function decodeText(text: string, vsn: Vsn): PhoenixMessage {
  const value = parseJson(text);
  if (vsn === '2.0.0') {
    if (!Array.isArray(value) || value.length !== 5) throw new PhoenixFrameError('a 2.0.0 frame is an array of 5 elements');
    return checked(value[0], value[1], value[2], value[3], value[4]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new PhoenixFrameError('a 1.0.0 frame is a JSON object');
  const object = value as Record<string, unknown>;
  return checked(object.join_ref, object.ref, object.topic, object.event, object.payload);
}

/**
 * Decodes a binary 2.0.0 frame: the user broadcast push (kind 3) — header
 * `kind, join_ref length, ref length, topic length, event length, metadata length, encoding`,
 * then those strings, then the user payload (JSON, or raw bytes with encoding 0).
 * Returns a `broadcast` message whose payload is `{type, event, payload, ...metadata}`.
 */
export function decodeBinary(bytes: Uint8Array): PhoenixMessage {
  const HEADER = 7;
  if (bytes.byteLength < HEADER) throw new PhoenixFrameError('binary frame is shorter than its header');
  if (bytes[0] !== USER_BROADCAST_PUSH) throw new PhoenixFrameError(`binary frame kind ${bytes[0]} is not a user broadcast push (3)`);
  const lengths = [bytes[1]!, bytes[2]!, bytes[3]!, bytes[4]!, bytes[5]!];
  const encoding = bytes[6];
  if (encoding !== BINARY_ENCODING && encoding !== JSON_ENCODING) throw new PhoenixFrameError(`unknown payload encoding ${encoding}`);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = HEADER;
  const strings: string[] = [];
  for (const length of lengths) {
    if (offset + length > bytes.byteLength) throw new PhoenixFrameError('binary frame is shorter than its header says');
    try {
      strings.push(decoder.decode(bytes.subarray(offset, offset + length)));
    } catch {
      throw new PhoenixFrameError('binary frame header strings must be UTF-8');
    }
    offset += length;
  }
  const [joinRef, ref, topic, event, metadata] = strings as [string, string, string, string, string];
  if (event === '') throw new PhoenixFrameError('a user broadcast needs an event name');
  const rest = bytes.subarray(offset);
  if (encoding === BINARY_ENCODING) throw new PhoenixFrameError('binary broadcast payloads are not supported: send JSON');
  let userPayload: unknown;
  try {
    userPayload = JSON.parse(decoder.decode(rest)) as unknown;
  } catch {
    throw new PhoenixFrameError('user broadcast payload is not valid JSON');
  }
  const meta = metadata === '' ? {} : parseJson(metadata);
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta))
    throw new PhoenixFrameError('user broadcast metadata must be a JSON object');
  const payload = { ...(meta as Record<string, unknown>), type: 'broadcast', event, payload: userPayload };
  return checked(joinRef === '' ? null : joinRef, ref === '' ? null : ref, topic, 'broadcast', payload);
}

/** Encodes a message as serializer `vsn` writes it (always text). */
export function encodeMessage(message: PhoenixMessage, vsn: Vsn): string {
  if (vsn === '2.0.0') return JSON.stringify([message.join_ref, message.ref, message.topic, message.event, message.payload]);
  return JSON.stringify({
    topic: message.topic,
    event: message.event,
    payload: message.payload,
    ref: message.ref,
    join_ref: message.join_ref,
  });
}

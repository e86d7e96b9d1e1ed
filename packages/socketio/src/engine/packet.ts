/**
 * @module engine/packet
 * Engine.IO v4 packets: one packet as text (`<type digit><data>`, binary as `b<base64>` inside
 * polling payloads), the polling payload (packets joined by the record separator \x1e), and
 * the WebSocket form (one packet per frame, binary messages as raw binary frames).
 */

/** Engine.IO packet types, by their digit on the wire. */
export const ENGINE_PACKET_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'] as const;
export type EnginePacketType = (typeof ENGINE_PACKET_TYPES)[number];

/** Separates packets in a polling payload. */
export const RECORD_SEPARATOR = '\x1e';

export interface EnginePacket {
  type: EnginePacketType;
  /** Text or binary data (binary only for `message`). */
  data?: string | Buffer;
}

/** A packet that breaks the Engine.IO protocol; the session that sent it is closed. */
export class EngineProtocolError extends Error {
  override readonly name = 'EngineProtocolError';
  readonly code = 'EIO_ERR_BAD_PACKET';
}

/** The digit of each packet type. */
const TYPE_DIGITS = new Map<EnginePacketType, string>(ENGINE_PACKET_TYPES.map((type, digit) => [type, String(digit)]));

/** One packet as text: binary data becomes `b<base64>` (the polling form). */
export function encodeTextPacket(packet: EnginePacket): string {
  if (Buffer.isBuffer(packet.data)) return `b${packet.data.toString('base64')}`;
  return `${TYPE_DIGITS.get(packet.type)}${packet.data ?? ''}`;
}

/** One packet as a WebSocket frame: a binary message is the raw bytes. */
export function encodeFramePacket(packet: EnginePacket): string | Buffer {
  if (Buffer.isBuffer(packet.data)) return packet.data;
  return encodeTextPacket(packet);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes one packet in text form; throws EngineProtocolError when it is not one. */
export function decodeTextPacket(text: string): EnginePacket {
  if (text.startsWith('b')) {
    const base64 = text.slice(1);
    if (base64.length % 4 !== 0 || !BASE64.test(base64)) throw new EngineProtocolError('invalid base64 in a binary packet');
    return { type: 'message', data: Buffer.from(base64, 'base64') };
  }
  const type = ENGINE_PACKET_TYPES[Number(text.charAt(0))];
  if (type === undefined || text === '' || !/[0-6]/.test(text.charAt(0))) {
    throw new EngineProtocolError(`unknown packet type ${JSON.stringify(text.charAt(0))}`);
  }
  const data = text.slice(1);
  return data === '' && type !== 'message' ? { type } : { type, data };
}

/** Decodes a WebSocket frame: a binary frame is a binary message. */
export function decodeFramePacket(frame: string | Buffer): EnginePacket {
  if (Buffer.isBuffer(frame)) return { type: 'message', data: frame };
  return decodeTextPacket(frame);
}

/** Encodes packets as one polling payload. */
export function encodePayload(packets: readonly EnginePacket[]): string {
  return packets.map(encodeTextPacket).join(RECORD_SEPARATOR);
}

/** Decodes a polling payload; throws EngineProtocolError when any packet in it is invalid. */
export function decodePayload(payload: string): EnginePacket[] {
  return payload.split(RECORD_SEPARATOR).map(decodeTextPacket);
}

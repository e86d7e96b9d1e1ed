/**
 * @module parser
 * Socket.IO v5 packets: `<type>[<attachments>-][<nsp>,][<ack id>][<JSON>]`, with binary data
 * carried as attachments (placeholders `{"_placeholder":true,"num":N}` in the JSON, then one
 * binary message per attachment). Decoding is strict: anything else is a SocketIoProtocolError
 * and the connection that sent it is closed.
 */

export const PACKET_TYPES = ['CONNECT', 'DISCONNECT', 'EVENT', 'ACK', 'CONNECT_ERROR', 'BINARY_EVENT', 'BINARY_ACK'] as const;
export type PacketType = (typeof PACKET_TYPES)[number];

/** Event names the server and client keep for themselves: never sent as events. */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);

export interface Packet {
  type: PacketType;
  /** Namespace, `/` by default. */
  nsp: string;
  /** Ack id, on EVENT (an ack is wanted) and ACK packets. */
  id?: number;
  data?: unknown;
}

/** A packet that breaks the Socket.IO protocol. */
export class SocketIoProtocolError extends Error {
  override readonly name = 'SocketIoProtocolError';
  readonly code = 'SIO_ERR_BAD_PACKET';
}

/** Largest ack id accepted (engine.io's own parser stops at 2^53). */
const MAX_ACK_ID = Number.MAX_SAFE_INTEGER;

function isBinary(value: unknown): value is Buffer | ArrayBuffer | ArrayBufferView {
  return Buffer.isBuffer(value) || value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function toBuffer(value: Buffer | ArrayBuffer | ArrayBufferView): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Whether `value` holds binary data anywhere (arrays and plain objects, as socket.io looks). */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (isBinary(value)) return true;
  if (Array.isArray(value)) return value.some((item) => hasBinary(item, depth + 1));
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  return Object.values(value).some((item) => hasBinary(item, depth + 1));
}

/** Replaces binary values by placeholders, collecting them in `buffers`. */
function deconstruct(value: unknown, buffers: Buffer[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (isBinary(value)) {
    buffers.push(toBuffer(value));
    return { _placeholder: true, num: buffers.length - 1 };
  }
  if (Array.isArray(value)) return value.map((item) => deconstruct(item, buffers));
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = deconstruct(item, buffers);
  return out;
}

/**
 * Encodes a packet: one string, or for binary data the string then its attachments. EVENT and
 * ACK with binary data become BINARY_EVENT and BINARY_ACK.
 */
export function encodePacket(packet: Packet): [string, ...Buffer[]] {
  let type = packet.type;
  let data = packet.data;
  const buffers: Buffer[] = [];
  if ((type === 'EVENT' || type === 'ACK') && hasBinary(data)) {
    type = type === 'EVENT' ? 'BINARY_EVENT' : 'BINARY_ACK';
    data = deconstruct(data, buffers);
  }
  let text = String(PACKET_TYPES.indexOf(type));
  if (type === 'BINARY_EVENT' || type === 'BINARY_ACK') text += `${buffers.length}-`;
  if (packet.nsp !== '/') text += `${packet.nsp},`;
  if (packet.id !== undefined) text += String(packet.id);
  if (data !== undefined) text += JSON.stringify(data);
  return [text, ...buffers];
}

/** Reads the header and JSON of a text packet; attachments come after (see Decoder). */
export function decodeText(text: string, maxAttachments: number): { packet: Packet; attachments: number } {
  const type = PACKET_TYPES[text.charCodeAt(0) - 48];
  if (type === undefined || text.length === 0) throw new SocketIoProtocolError(`unknown packet type ${JSON.stringify(text.charAt(0))}`);
  let i = 1;
  let attachments = 0;
  if (type === 'BINARY_EVENT' || type === 'BINARY_ACK') {
    const dash = text.indexOf('-', i);
    const count = text.slice(i, dash);
    if (dash < 0 || !/^\d{1,6}$/.test(count)) throw new SocketIoProtocolError('invalid attachment count');
    attachments = Number(count);
    if (attachments > maxAttachments) throw new SocketIoProtocolError(`more than ${maxAttachments} attachments`);
    i = dash + 1;
  }
  let nsp = '/';
  if (text.charAt(i) === '/') {
    const comma = text.indexOf(',', i);
    const end = comma < 0 ? text.length : comma;
    nsp = text.slice(i, end);
    i = comma < 0 ? end : end + 1;
  }
  let id: number | undefined;
  const digits = /^\d+/.exec(text.slice(i, i + 17));
  if (digits) {
    id = Number(digits[0]);
    if (id > MAX_ACK_ID) throw new SocketIoProtocolError('invalid ack id');
    i += digits[0].length;
  }
  let data: unknown;
  if (i < text.length) {
    try {
      data = JSON.parse(text.slice(i));
    } catch {
      throw new SocketIoProtocolError('invalid JSON payload');
    }
  }
  const packet: Packet = id === undefined ? { type, nsp } : { type, nsp, id };
  if (data !== undefined) packet.data = data;
  checkPayload(packet);
  return { packet, attachments };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The payload rules of each type (as socket.io's own decoder has them). */
function checkPayload(packet: Packet): void {
  const { type, data } = packet;
  const valid = (() => {
    switch (type) {
      case 'CONNECT':
        return data === undefined || isPlainObject(data);
      case 'DISCONNECT':
        return data === undefined;
      case 'CONNECT_ERROR':
        return typeof data === 'string' || isPlainObject(data);
      case 'EVENT':
      case 'BINARY_EVENT':
        return (
          Array.isArray(data) &&
          data.length > 0 &&
          (typeof data[0] === 'number' || (typeof data[0] === 'string' && !RESERVED_EVENTS.has(data[0])))
        );
      case 'ACK':
      case 'BINARY_ACK':
        return Array.isArray(data) && packet.id !== undefined;
    }
  })();
  if (!valid) throw new SocketIoProtocolError(`invalid payload for a ${type} packet`);
  if (!packet.nsp.startsWith('/')) throw new SocketIoProtocolError('invalid namespace');
}

/** Puts attachments back where their placeholders are; throws on a bad placeholder. */
function reconstruct(value: unknown, attachments: readonly Buffer[], depth = 0): unknown {
  if (depth > 64) throw new SocketIoProtocolError('payload nested too deep');
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => reconstruct(item, attachments, depth + 1));
  const record = value as Record<string, unknown>;
  if (record._placeholder === true) {
    const attachment = typeof record.num === 'number' && Number.isInteger(record.num) ? attachments[record.num] : undefined;
    if (!attachment) throw new SocketIoProtocolError('invalid attachment placeholder');
    return attachment;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) out[key] = reconstruct(item, attachments, depth + 1);
  return out;
}

/**
 * Decodes the messages of one connection in order: a text packet, or a binary packet's header
 * followed by its attachments. Not reentrant across connections: one Decoder each.
 */
export class Decoder {
  readonly #maxAttachments: number;
  #pending: { packet: Packet; expected: number; attachments: Buffer[] } | undefined;

  constructor(maxAttachments: number) {
    this.#maxAttachments = maxAttachments;
  }

  /** Whether a binary packet waits for attachments. */
  get waiting(): boolean {
    return this.#pending !== undefined;
  }

  /** Feeds one message; returns the packet it completes, or undefined while attachments are due. */
  add(message: string | Buffer): Packet | undefined {
    if (typeof message === 'string') {
      if (this.#pending) throw new SocketIoProtocolError('a text packet arrived while attachments were due');
      const { packet, attachments } = decodeText(message, this.#maxAttachments);
      if (attachments === 0) return this.#finish(packet, []);
      this.#pending = { packet, expected: attachments, attachments: [] };
      return undefined;
    }
    const pending = this.#pending;
    if (!pending) throw new SocketIoProtocolError('an attachment arrived without a binary packet');
    pending.attachments.push(message);
    if (pending.attachments.length < pending.expected) return undefined;
    this.#pending = undefined;
    return this.#finish(pending.packet, pending.attachments);
  }

  #finish(packet: Packet, attachments: Buffer[]): Packet {
    if (packet.type === 'BINARY_EVENT' || packet.type === 'BINARY_ACK') {
      packet.data = reconstruct(packet.data, attachments);
      packet.type = packet.type === 'BINARY_EVENT' ? 'EVENT' : 'ACK';
    }
    return packet;
  }
}

/** The data (`[name, ...args]` of an event) of a packet this side encoded (`encodePacket`'s output). */
export function decodeEncoded(encoded: readonly [string, ...Buffer[]]): unknown[] {
  const decoder = new Decoder(encoded.length - 1);
  let packet = decoder.add(encoded[0]);
  for (const attachment of encoded.slice(1)) packet = decoder.add(attachment as Buffer);
  return (packet?.data as unknown[]) ?? [];
}

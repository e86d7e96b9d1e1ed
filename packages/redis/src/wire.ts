/**
 * @module wire
 * What travels on a relais pub/sub channel in Redis, and what a stream entry holds:
 *
 *   <kind>|<offset>|<epoch>|<body>
 *
 * `kind` is `p` (publication), `j` (join) or `l` (leave); `offset` and `epoch` are empty unless
 * the publication was numbered; `body` is MessagePack (the publication without its channel,
 * offset and epoch, see @relais/server's publication-body; or the ClientInfo of a join/leave),
 * so binary data survives between nodes.
 * The ASCII header lets a Lua script number a publication without decoding its body. The
 * channel is the Redis channel's (or stream key's) name.
 */
import type { ClientInfo } from '@relais/protocol';
import { msgpackCodec } from '@relais/protocol';
import { decodePublicationBody, encodePublicationBody, type Publication } from '@relais/server';

export type WireMessage = { type: 'publication'; pub: Omit<Publication, 'channel'> } | { type: 'join' | 'leave'; info: ClientInfo };

const SEPARATOR = 0x7c; // '|'
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(header: string, body: Uint8Array): Buffer {
  return Buffer.concat([encoder.encode(header), body]);
}

/** A whole message for a publication that carries no offset. */
export function encodePublication(pub: Publication): Buffer {
  return frame('p|||', encodePublicationBody(pub));
}

export function encodeJoinLeave(type: 'join' | 'leave', info: ClientInfo): Buffer {
  return frame(type === 'join' ? 'j|||' : 'l|||', msgpackCodec.encode(info) as Uint8Array);
}

function decodeClientInfo(body: Uint8Array): ClientInfo {
  // Viewed as a plain Uint8Array, as in decodePublicationBody: binary values are not Buffers.
  const [info] = msgpackCodec.decode(new Uint8Array(body.buffer, body.byteOffset, body.byteLength)) as [
    Partial<ClientInfo> | null | undefined,
  ];
  if (typeof info?.client !== 'string' || typeof info.user !== 'string') throw new TypeError('join/leave without client info');
  return info as ClientInfo;
}

/** Decodes a message; throws on anything that is not a relais message. */
export function decodeMessage(bytes: Uint8Array): WireMessage {
  const cuts: number[] = [];
  for (let i = 0; i < bytes.length && cuts.length < 3; i++) if (bytes[i] === SEPARATOR) cuts.push(i);
  if (cuts.length < 3) throw new TypeError('not a relais message');
  const [a, b, c] = cuts as [number, number, number];
  const kind = decoder.decode(bytes.subarray(0, a));
  const offsetText = decoder.decode(bytes.subarray(a + 1, b));
  const epoch = decoder.decode(bytes.subarray(b + 1, c));
  const body = bytes.subarray(c + 1);
  if (kind === 'j' || kind === 'l') return { type: kind === 'j' ? 'join' : 'leave', info: decodeClientInfo(body) };
  if (kind !== 'p') throw new TypeError(`unknown relais message kind ${JSON.stringify(kind)}`);
  const pub: Omit<Publication, 'channel'> = decodePublicationBody(body);
  if (offsetText !== '') {
    const offset = Number(offsetText);
    if (!Number.isSafeInteger(offset) || offset < 1) throw new TypeError(`bad offset ${JSON.stringify(offsetText)}`);
    pub.offset = offset;
    pub.epoch = epoch;
  }
  return { type: 'publication', pub };
}

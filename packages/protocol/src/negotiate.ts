/**
 * @module negotiate
 * Subprotocol negotiation and channel-name helpers shared by server and client.
 */
import { JSON_SUBPROTOCOL, JSON_V2_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, MSGPACK_V2_SUBPROTOCOL, type Codec } from './codec.js';
import { NAMESPACE_SEPARATOR } from './frames.js';
import { jsonCodec, jsonV2Codec } from './json-codec.js';
import { msgpackCodec, msgpackV2Codec } from './msgpack-codec.js';

/** The codecs of protocols v1 and v2, by subprotocol. */
export const CODECS: ReadonlyMap<string, Codec> = new Map([
  [JSON_SUBPROTOCOL, jsonCodec],
  [MSGPACK_SUBPROTOCOL, msgpackCodec],
  [JSON_V2_SUBPROTOCOL, jsonV2Codec],
  [MSGPACK_V2_SUBPROTOCOL, msgpackV2Codec],
]);

/** The codec for a subprotocol, or undefined when relais does not speak it. */
export function codecForSubprotocol(subprotocol: string): Codec | undefined {
  return CODECS.get(subprotocol);
}

/**
 * Picks the subprotocol for a connection from the ones the client offered, in its order of
 * preference. No offer at all means JSON (plain `new WebSocket(url)` clients); offers that
 * contain no relais subprotocol give `false` (the server refuses the upgrade).
 */
export function negotiateSubprotocol(offered: Iterable<string>): { codec: Codec; subprotocol: string | undefined } | false {
  let any = false;
  for (const candidate of offered) {
    any = true;
    const codec = CODECS.get(candidate);
    if (codec) return { codec, subprotocol: candidate };
  }
  return any ? false : { codec: jsonCodec, subprotocol: undefined };
}

/**
 * The namespace of a channel: the part before the first `:`; `''` when there is none.
 * @example namespaceOf('chat:room-1') === 'chat'
 */
export function namespaceOf(channel: string): string {
  const at = channel.indexOf(NAMESPACE_SEPARATOR);
  return at === -1 ? '' : channel.slice(0, at);
}

/**
 * @module calls
 * The params of what the client sends on the application's behalf, checked before anything is
 * sent: publishes (with the idempotency key a resend carries), RPCs, and the connect command with
 * the subprotocols a connection offers.
 */
import {
  MAX_IDEMPOTENCY_KEY_LENGTH,
  channelError,
  MSGPACK_SUBPROTOCOL,
  MSGPACK_V2_SUBPROTOCOL,
  JSON_SUBPROTOCOL,
  JSON_V2_SUBPROTOCOL,
  type Codec,
  type ConnectParams,
  type PublishParams,
  type RpcParams,
} from '@relais/protocol';
import { InvalidOptionsError } from './errors.js';
import type { RpcOptions } from './events.js';
import { idempotencyKey } from './ids.js';
import { CLIENT_VERSION, type ResolvedOptions } from './options.js';
import type { PublishOptions, SubscribeOptions } from './subscription.js';

/**
 * A publish's params. The idempotency key is made once per call, so a resend after a dropped
 * connection is delivered once; an ephemeral publish has none (it is never resent: a typing
 * indicator delivered after a reconnect would be stale). Throws InvalidOptionsError.
 */
export function publishParams(channel: string, data: unknown, options: PublishOptions): PublishParams {
  const key = options.idempotencyKey;
  if (key !== undefined && (!key || typeof key !== 'string' || options.ephemeral)) {
    throw new InvalidOptionsError('idempotencyKey must be a string, not on ephemeral');
  }
  const params: PublishParams = options.ephemeral
    ? { channel, data, ephemeral: true }
    : { channel, data, idempotencyKey: key ?? idempotencyKey() };
  if (options.event !== undefined) params.event = options.event;
  if (options.excludeSelf !== undefined) params.excludeSelf = options.excludeSelf;
  return params;
}

/** An RPC's params; with `idempotencyKey` the server runs the handler once per key. Throws InvalidOptionsError. */
export function rpcParams(method: string, data: unknown, options: RpcOptions): RpcParams {
  const key = options.idempotencyKey;
  if (key !== undefined && (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw new InvalidOptionsError(`idempotencyKey must be a string of 1-${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  const params: RpcParams = data === undefined ? { method } : { method, data };
  if (key !== undefined) params.idempotencyKey = key;
  return params;
}

/** The connect command's params: the client's name and version, the token and the options' data. */
export function connectParams(options: ResolvedOptions, token: string | undefined): ConnectParams {
  const params: ConnectParams = { name: options.name, version: CLIENT_VERSION };
  if (token !== undefined) params.token = token;
  if (options.data !== undefined) params.data = options.data;
  return params;
}

/**
 * The subprotocols a connection with `codec` offers: protocol v2 (compact publications) first,
 * v1 for older servers, which refuse an offer of v2 alone. Both read and write the same frames
 * but publications, which the parser takes in either shape, so the codec does not depend on the
 * server's pick.
 */
export function subprotocolsFor(codec: Codec): string[] {
  return codec.subprotocol === MSGPACK_SUBPROTOCOL
    ? [MSGPACK_V2_SUBPROTOCOL, MSGPACK_SUBPROTOCOL]
    : [JSON_V2_SUBPROTOCOL, JSON_SUBPROTOCOL];
}

/** Throws InvalidOptionsError for a channel name or a `since` a subscribe cannot take. */
export function checkSubscribe(channel: string, options: SubscribeOptions): void {
  const invalid = channelError(channel);
  if (invalid) throw new InvalidOptionsError(invalid);
  const since = options.since;
  if (since && !(since.offset >= 0 && typeof since.epoch === 'string')) throw new InvalidOptionsError('since must be { offset, epoch }');
}

/**
 * @module rpc-once/rpc-reply-store
 * The RpcReplyStore role: where the engine remembers the replies of RPCs called with an
 * idempotency key, shared by every node, so that a repeat runs the handler no second time. And
 * the encoded form of a remembered reply, the same bytes on every engine.
 */
import { msgpackCodec, type ErrorShape, type RpcResult } from '@relais/protocol';

/** What a repeat of an RPC gets: the first call's result, or its error. */
export type RememberedReply = { result: RpcResult } | { error: ErrorShape };

/** What `claim` found under a key. */
export type RpcClaim =
  /** Nothing: the key is now claimed by the caller, who runs the handler and then settles it. */
  | { state: 'claimed' }
  /** Claimed by another call whose lease has not ended: its handler is still running. */
  | { state: 'running' }
  /** Settled: the encoded reply (decodeReply), kept until the idempotency window ends. */
  | { state: 'answered'; reply: Uint8Array };

/**
 * Contract for implementers (checked by rpc-reply-store.case.ts, on memory and on Redis):
 *
 * - `claim` is atomic across every node sharing the backend: of concurrent claims of one free
 *   key exactly one gets `claimed`; the others get `running` until the claim is settled,
 *   released or its lease (`leaseMs`) ends, and then `answered` (or, after a release or the
 *   end of the lease, a new `claimed`: the handler's node is taken for lost).
 * - `settle` replaces the key's claim (or anything) with `reply`, kept for `ttlMs`; then the
 *   key is free again.
 * - `release` frees a key that is still claimed; a settled key stays settled.
 * - `forget` drops the key, whatever it holds (the node bounds the replies one connection keeps).
 * - Storage is bounded: expired keys are dropped, and a backend may forget the oldest replies
 *   first past its own bounds (a repeat of a forgotten key runs the handler again).
 * - Failures of the backend reject (the Redis engine: ReplyError 115, temporary).
 */
export interface RpcReplyStore {
  claim(key: string, leaseMs: number): Promise<RpcClaim>;
  settle(key: string, reply: Uint8Array, ttlMs: number): Promise<void>;
  release(key: string): Promise<void>;
  forget(key: string): Promise<void>;
}

/** MessagePack of the reply (binary data stays binary). Throws TypeError when it cannot be encoded. */
export function encodeReply(reply: RememberedReply): Uint8Array {
  return msgpackCodec.encode(reply) as Uint8Array;
}

/** Decodes what encodeReply wrote; throws TypeError on anything else. */
export function decodeReply(bytes: Uint8Array): RememberedReply {
  const [value] = msgpackCodec.decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const reply = value as Partial<{ result: RpcResult; error: ErrorShape }> | null;
  if (typeof reply !== 'object' || reply === null) throw new TypeError('not a remembered rpc reply');
  if (typeof reply.error === 'object' && reply.error !== null && typeof reply.error.code === 'number') return { error: reply.error };
  if (typeof reply.result === 'object' && reply.result !== null) return { result: reply.result };
  throw new TypeError('not a remembered rpc reply');
}

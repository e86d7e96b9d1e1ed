/**
 * @module redis-rpc-replies
 * RedisRpcReplyStore: the replies of RPCs called with an idempotency key, in Redis, so that a
 * repeat on any node of the cluster runs the handler no second time. One key per call, on the
 * shard its name hashes to: an empty string while claimed (with the lease as its PX), then the
 * encoded reply (with the idempotency window as its PX).
 */
import type { RpcClaim, RpcReplyStore } from '@relais/server';
import type { Redis } from 'ioredis';
import { toEngineError } from './errors.js';
import { runScript, script } from './scripts.js';

/**
 * KEYS[1] = the call's key, ARGV[1] = lease in ms. Returns what is stored (the empty string:
 * claimed by another call; else its reply), or nil after claiming it. Atomic: of two nodes
 * claiming one key at once, one gets nil.
 */
const CLAIM = script(
  'rpc-claim',
  `local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], '', 'PX', ARGV[1])
return false`,
  { refusedWhenFull: true },
);

/** KEYS[1] = the call's key: deleted when it is still a claim (a settled reply stays). */
const RELEASE = script(
  'rpc-release',
  `if redis.call('GET', KEYS[1]) == '' then redis.call('DEL', KEYS[1]) end
return false`,
);

export class RedisRpcReplyStore implements RpcReplyStore {
  readonly #connection: (key: string) => Redis;
  readonly #prefix: string;

  /** `connection(key)`: the command connection of the shard that owns `key`. */
  constructor(connection: (key: string) => Redis, prefix: string) {
    this.#connection = connection;
    this.#prefix = `${prefix}:rpc:`;
  }

  async claim(key: string, leaseMs: number): Promise<RpcClaim> {
    try {
      const stored = (await runScript(this.#connection(key), CLAIM, [this.#prefix + key], [leaseMs], { buffers: true })) as Buffer | null;
      if (stored === null) return { state: 'claimed' };
      if (stored.byteLength === 0) return { state: 'running' };
      return { state: 'answered', reply: new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength) };
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async settle(key: string, reply: Uint8Array, ttlMs: number): Promise<void> {
    try {
      await this.#connection(key).set(this.#prefix + key, Buffer.from(reply), 'PX', ttlMs);
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async forget(key: string): Promise<void> {
    try {
      await this.#connection(key).del(this.#prefix + key);
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async release(key: string): Promise<void> {
    try {
      await runScript(this.#connection(key), RELEASE, [this.#prefix + key], []);
    } catch (error) {
      throw toEngineError(error);
    }
  }
}

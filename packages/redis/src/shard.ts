/**
 * @module shard
 * Which Redis instance (shard) owns a channel: a stable hash of the channel name.
 *
 * FNV-1a (32 bits) over the name's UTF-8 bytes feeds Lamping and Veach's jump consistent hash,
 * so every node maps a channel to the same shard, and going from N to N + 1 shards moves only
 * about 1/(N + 1) of the channels.
 */

const encoder = new TextEncoder();
const MASK_64 = (1n << 64n) - 1n;
const JUMP_MULTIPLIER = 2862933555777941757n;

/** FNV-1a, 32 bits, of the UTF-8 bytes of `text`. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Jump consistent hash: a bucket in [0, buckets) for `key`. */
export function jumpHash(key: number, buckets: number): number {
  let state = BigInt(key);
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    state = (state * JUMP_MULTIPLIER + 1n) & MASK_64;
    next = Math.floor((bucket + 1) * (2 ** 31 / (Number(state >> 33n) + 1)));
  }
  return bucket;
}

/**
 * The shard index of `channel` among `shards` Redis instances.
 * @example shardOf('chat:lobby', 2) // 0 or 1, the same on every node
 */
export function shardOf(channel: string, shards: number): number {
  if (shards <= 1) return 0;
  return jumpHash(fnv1a32(channel), shards);
}

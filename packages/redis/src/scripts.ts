/**
 * @module scripts
 * Lua scripts run atomically on a shard, and the EVALSHA-then-EVAL call that runs them.
 */
import { createHash } from 'node:crypto';
import { ReplyError as RedisReplyError, type Redis } from 'ioredis';

export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

function script(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Publishes once per idempotency key. KEYS[1] = idempotency key; ARGV = Redis channel,
 * payload, TTL in ms, result to remember. Returns the remembered result of an earlier publish
 * with the same key, or nil after publishing. Atomic: two nodes publishing with the same key
 * at the same time deliver once.
 */
export const PUBLISH_ONCE = script(
  'publish-once',
  `if redis.call('SET', KEYS[1], ARGV[4], 'NX', 'PX', ARGV[3]) then
  redis.call('PUBLISH', ARGV[1], ARGV[2])
  return false
end
return redis.call('GET', KEYS[1])`,
);

/**
 * Runs `script` by its SHA1 and sends its source only when Redis does not know it (first use,
 * or after a Redis restart emptied the script cache).
 */
export async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof RedisReplyError) || !(error as Error).message.startsWith('NOSCRIPT')) throw error;
    return await redis.eval(script.lua, keys.length, ...keys, ...args);
  }
}

/**
 * @module redis-presence-store
 * RedisPresenceStore: who is in which channel, shared by every node through Redis.
 *
 * Per channel, on the channel's shard: a hash (client id → MessagePack ClientInfo) and a sorted
 * set (client id scored by expiry time in ms, from Redis's clock). An entry not refreshed within
 * its TTL is purged by the next read or write of the channel, so a crashed node's clients
 * disappear within one TTL. Both keys also expire as a whole when nothing refreshes them.
 */
import { Redis } from 'ioredis';
import { msgpackCodec, type ClientInfo } from '@relais/protocol';
import { OptionsError, silentLogger, type Logger, type PresenceStats, type PresenceStore } from '@relais/server';
import { toEngineError } from './errors.js';
import { RedisKeys } from './keys.js';
import { redactUrl, resolveRedisBrokerOptions, type RedisBrokerOptions } from './options.js';
import { runScript, script } from './scripts.js';
import { shardOf } from './shard.js';

const PURGE = `local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function purge(hash, zset, now)
  local gone = redis.call('ZRANGEBYSCORE', zset, '-inf', now)
  for i = 1, #gone, 500 do
    redis.call('HDEL', hash, unpack(gone, i, math.min(i + 499, #gone)))
  end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', zset, '-inf', now) end
end`;

/** KEYS = hash, zset; ARGV = client, info, TTL ms. */
const ADD = script(
  'presence-add',
  `${PURGE}
local now = now_ms()
local ttl = tonumber(ARGV[3])
purge(KEYS[1], KEYS[2], now)
redis.call('ZADD', KEYS[2], now + ttl, ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
local keep = math.max(redis.call('PTTL', KEYS[2]), ttl)
redis.call('PEXPIRE', KEYS[1], keep)
redis.call('PEXPIRE', KEYS[2], keep)
return 1`,
);

/** KEYS = hash, zset. Returns the live entries as a flat client, info list. */
const READ = script(
  'presence-read',
  `${PURGE}
purge(KEYS[1], KEYS[2], now_ms())
return redis.call('HGETALL', KEYS[1])`,
);

export type RedisPresenceStoreOptions = Omit<RedisBrokerOptions, 'historyMetaTtlMs'>;

/**
 * @example
 * const urls = ['redis://127.0.0.1:6379'];
 * createRelais({ engine: { broker: new RedisBroker({ urls }), presence: new RedisPresenceStore({ urls }) } });
 */
export class RedisPresenceStore implements PresenceStore {
  readonly #keys: RedisKeys;
  readonly #links: Redis[];
  #closed = false;

  /** Throws OptionsError naming the first invalid option. Connects at once, in the background. */
  constructor(options: RedisPresenceStoreOptions) {
    if (typeof options === 'object' && options !== null && 'historyMetaTtlMs' in options) {
      throw new OptionsError('unknown RedisPresenceStore option "historyMetaTtlMs"');
    }
    const resolved = resolveRedisBrokerOptions(options, 'RedisPresenceStore');
    const logger: Logger = resolved.logger ?? silentLogger;
    this.#keys = new RedisKeys(resolved.prefix);
    this.#links = resolved.urls.map((url, shard) => {
      const redis = new Redis(url, {
        // Calls made while connecting wait for the connection; when an attempt fails they
        // fail (115) instead of waiting for the next one.
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        enableAutoPipelining: true,
        commandTimeout: resolved.commandTimeoutMs,
        connectTimeout: resolved.connectTimeoutMs,
        retryStrategy: (attempt) => Math.min(attempt * 100, resolved.maxReconnectDelayMs),
        connectionName: 'relais-presence',
      });
      redis.on('error', (error: Error) => logger.debug({ shard, url: redactUrl(url), err: error }, 'redis presence: connection error'));
      return redis;
    });
  }

  async add(channel: string, info: ClientInfo, ttlMs: number): Promise<void> {
    const entry = Buffer.from(msgpackCodec.encode(info) as Uint8Array);
    await this.#run(channel, (redis, keys) => runScript(redis, ADD, keys, [info.client, entry, Math.max(1, Math.ceil(ttlMs))]));
  }

  async remove(channel: string, client: string): Promise<void> {
    await this.#run(channel, (redis, [hash, zset]) => redis.multi().zrem(zset!, client).hdel(hash!, client).exec());
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    const flat = (await this.#run(channel, (redis, keys) => runScript(redis, READ, keys, [], { buffers: true }))) as Buffer[];
    const entries: Record<string, ClientInfo> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const [info] = msgpackCodec.decode(new Uint8Array(flat[i + 1]!)) as [ClientInfo];
      entries[flat[i]!.toString('utf8')] = info;
    }
    return entries;
  }

  async stats(channel: string): Promise<PresenceStats> {
    const entries = Object.values(await this.presence(channel));
    return { clients: entries.length, users: new Set(entries.map((info) => info.user)).size };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      this.#links.map(async (redis) => {
        if (redis.status === 'ready') await redis.quit().catch(() => {});
        redis.disconnect();
      }),
    );
  }

  async #run<T>(channel: string, command: (redis: Redis, keys: string[]) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('RedisPresenceStore is closed');
    const redis = this.#links[shardOf(channel, this.#links.length)] as Redis;
    try {
      return await command(redis, [this.#keys.presence(channel), this.#keys.presenceExpiry(channel)]);
    } catch (error) {
      throw toEngineError(error);
    }
  }
}

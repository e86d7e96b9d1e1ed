/**
 * @module @relais/redis
 * The Redis engine of relais: RedisBroker (pub/sub and history, sharded over N Redis instances)
 * and RedisPresenceStore.
 * @example
 * import { createRelais } from '@relais/server';
 * import { RedisBroker } from '@relais/redis';
 * const relais = createRelais({ engine: { broker: new RedisBroker({ urls: ['redis://127.0.0.1:6379'] }) } });
 */
export { RedisBroker } from './redis-broker.js';
export { RedisControlLink, type RedisControlLinkOptions } from './redis-control-link.js';
export { RedisRpcReplyStore } from './redis-rpc-replies.js';
export { RedisPresenceStore, type RedisPresenceStoreOptions } from './redis-presence-store.js';
export {
  DEFAULT_COMMAND_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HISTORY_META_TTL_MS,
  DEFAULT_MAX_RECONNECT_DELAY_MS,
  DEFAULT_PREFIX,
  redisUrlError,
  resolveRedisBrokerOptions,
  type RedisBrokerOptions,
  type ResolvedRedisBrokerOptions,
} from './options.js';
export { shardOf } from './shard.js';

/**
 * @module bench/servers/relais-redis
 * The relais variant on the Redis engine: one node of a 2-node cluster (bench/servers/index.mjs
 * starts two), with a RedisBroker on the run's Redis and prefix (bench/lib/redis.mjs), so every
 * publication goes publisher → node 0 → Redis PUBLISH → both nodes → their subscribers. No
 * namespace keeps history or presence here, so nothing is written to Redis but pub/sub.
 */
import { RedisBroker } from '@relais/redis';
import { redisPrefix, redisUrl } from '../lib/redis.mjs';
import { start as startRelais } from './relais.mjs';

/** @param {{port?: number}} options */
export async function start(options = {}) {
  const broker = new RedisBroker({ urls: [redisUrl()], prefix: redisPrefix() });
  return startRelais({ ...options, engine: { broker } });
}

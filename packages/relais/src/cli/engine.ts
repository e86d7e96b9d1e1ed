/**
 * @module cli/engine
 * The `engine` of `relais serve`: memory (one node) or redis (several nodes as one server).
 * Resolved like the other settings (file < environment < flags).
 */
import { RedisBroker, RedisPresenceStore } from '@relais/redis';
import {
  MemoryBroker,
  MemoryBus,
  MemoryPresenceStore,
  type Broker,
  type EngineOptions,
  type Logger,
  type PresenceStore,
} from '@relais/server';
import { UsageError } from './args.js';

export const ENGINE_TYPES = ['memory', 'redis'] as const;
export type EngineType = (typeof ENGINE_TYPES)[number];

export type EngineConfig = { type: 'memory'; maxHistoryBytes?: number } | { type: 'redis'; urls: string[]; prefix?: string };

/** What the CLI needs from `@relais/redis`. */
export interface RedisModule {
  RedisBroker: new (options: RedisEngineOptions) => Broker;
  RedisPresenceStore: new (options: RedisEngineOptions) => PresenceStore;
}

interface RedisEngineOptions {
  urls: string[];
  prefix?: string;
  logger?: Logger;
}

/** Gives the classes of the Redis engine; injectable for tests. */
export type LoadRedis = () => Promise<RedisModule>;

export const loadRedis: LoadRedis = async () => ({ RedisBroker, RedisPresenceStore });

interface EngineSources {
  /** The config file's `engine` value, and the file's name for messages. */
  file?: unknown;
  fileName: string;
  env: Readonly<Record<string, string | undefined>>;
  flagType?: string;
  flagUrls?: readonly string[];
}

function checkType(type: unknown, source: string): EngineType {
  if (!(ENGINE_TYPES as readonly unknown[]).includes(type)) {
    throw new UsageError(`${source}: engine must be one of ${ENGINE_TYPES.join(', ')}, got ${JSON.stringify(type)}`);
  }
  return type as EngineType;
}

function checkUrls(urls: readonly unknown[], source: string): string[] {
  if (urls.length === 0) throw new UsageError(`${source}: at least one Redis URL is needed`);
  return urls.map((url) => {
    if (typeof url !== 'string' || !/^rediss?:\/\/[^/]/.test(url)) {
      throw new UsageError(`${source}: a Redis URL must look like redis://host:6379, got ${JSON.stringify(url)}`);
    }
    return url;
  });
}

function historyBytes(value: unknown, source: string, given: unknown = value): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`${source} must be a positive integer of bytes, got ${JSON.stringify(given)}`);
  }
  return value;
}

function fromFile(value: unknown, source: string): { type?: EngineType; urls?: string[]; prefix?: string; maxHistoryBytes?: number } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${source}: engine must be an object like {"type": "redis", "urls": ["redis://127.0.0.1:6379"]}`);
  }
  const engine = value as Record<string, unknown>;
  for (const key of Object.keys(engine)) {
    if (!['type', 'urls', 'prefix', 'maxHistoryBytes'].includes(key))
      throw new UsageError(`${source}: unknown engine option ${JSON.stringify(key)}`);
  }
  const type = checkType(engine.type, `${source}: engine.type`);
  if (type === 'memory' && (engine.urls !== undefined || engine.prefix !== undefined)) {
    throw new UsageError(`${source}: engine.urls and engine.prefix belong to {"type": "redis"}`);
  }
  if (type === 'redis' && engine.maxHistoryBytes !== undefined) {
    throw new UsageError(`${source}: engine.maxHistoryBytes belongs to {"type": "memory"} (bound Redis with its maxmemory)`);
  }
  if (engine.urls !== undefined && !Array.isArray(engine.urls))
    throw new UsageError(`${source}: engine.urls must be an array of redis:// URLs`);
  if (engine.prefix !== undefined && typeof engine.prefix !== 'string') throw new UsageError(`${source}: engine.prefix must be a string`);
  const urls = engine.urls === undefined ? undefined : checkUrls(engine.urls as unknown[], `${source}: engine.urls`);
  const maxHistoryBytes =
    engine.maxHistoryBytes === undefined ? undefined : historyBytes(engine.maxHistoryBytes, `${source}: engine.maxHistoryBytes`);
  return { type, urls, prefix: engine.prefix as string | undefined, maxHistoryBytes };
}

/**
 * Merges the engine settings of the file, the environment and the flags; checks them.
 * Redis URLs given with the memory engine are an error, unless the memory engine was chosen at
 * a later level (e.g. `--engine memory` over RELAIS_REDIS_URL, to run one node for a test).
 */
export function resolveEngine({ file, fileName, env, flagType, flagUrls }: EngineSources): EngineConfig {
  const fromConfig = fromFile(file, fileName);
  // Levels: 0 default, 1 config file, 2 environment, 3 flags.
  let type: EngineType = fromConfig.type ?? 'memory';
  let typeLevel = fromConfig.type ? 1 : 0;
  let urls = fromConfig.urls;
  let urlSource: { name: string; level: number } | undefined;
  let prefix = fromConfig.prefix;
  if (env.RELAIS_ENGINE) {
    type = checkType(env.RELAIS_ENGINE, 'RELAIS_ENGINE');
    typeLevel = 2;
  }
  if (env.RELAIS_REDIS_URL !== undefined) {
    urls = checkUrls(
      env.RELAIS_REDIS_URL.split(',')
        .map((url) => url.trim())
        .filter(Boolean),
      'RELAIS_REDIS_URL',
    );
    urlSource = { name: 'RELAIS_REDIS_URL', level: 2 };
  }
  if (env.RELAIS_REDIS_PREFIX) prefix = env.RELAIS_REDIS_PREFIX;
  if (flagType !== undefined) {
    type = checkType(flagType, '--engine');
    typeLevel = 3;
  }
  if (flagUrls !== undefined) {
    urls = checkUrls(flagUrls, '--redis-url');
    urlSource = { name: '--redis-url', level: 3 };
  }
  if (type === 'memory') {
    if (urlSource && urlSource.level >= typeLevel) {
      throw new UsageError(`${urlSource.name} is only used with the redis engine: add --engine redis (or RELAIS_ENGINE=redis)`);
    }
    let { maxHistoryBytes } = fromConfig;
    if (env.RELAIS_MAX_HISTORY_BYTES !== undefined)
      maxHistoryBytes = historyBytes(Number(env.RELAIS_MAX_HISTORY_BYTES), 'RELAIS_MAX_HISTORY_BYTES', env.RELAIS_MAX_HISTORY_BYTES);
    return maxHistoryBytes === undefined ? { type } : { type, maxHistoryBytes };
  }
  if (!urls)
    throw new UsageError('the redis engine needs at least one --redis-url (or RELAIS_REDIS_URL, or engine.urls in the config file)');
  return prefix === undefined ? { type, urls } : { type, urls, prefix };
}

/** Builds the chosen engine (broker and presence store); undefined for the node's default memory engine. */
export async function createEngine(config: EngineConfig, logger: Logger, load: LoadRedis = loadRedis): Promise<EngineOptions | undefined> {
  if (config.type === 'memory') {
    if (config.maxHistoryBytes === undefined) return undefined;
    const bus = new MemoryBus({ maxHistoryBytes: config.maxHistoryBytes });
    return { broker: new MemoryBroker({ bus }), presence: new MemoryPresenceStore({ bus }) };
  }
  const { RedisBroker, RedisPresenceStore } = await load();
  const options: RedisEngineOptions =
    config.prefix === undefined ? { urls: config.urls, logger } : { urls: config.urls, prefix: config.prefix, logger };
  const broker = new RedisBroker(options);
  return { broker, presence: new RedisPresenceStore(options) };
}

import { MemoryBroker, silentLogger } from '@relais/server';
import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { resolveServeConfig } from './config.js';
import { createEngine, resolveEngine, type RedisModule } from './engine.js';

const files = (content: Record<string, string>) => async (path: string) => {
  const text = content[path];
  if (text === undefined) throw new Error(`ENOENT: ${path}`);
  return text;
};

describe('resolveEngine', () => {
  const none = { fileName: 'r.json', env: {} };

  it('is memory by default', () => {
    expect(resolveEngine(none)).toEqual({ type: 'memory' });
  });

  it("bounds the memory engine's history by engine.maxHistoryBytes or RELAIS_MAX_HISTORY_BYTES", () => {
    expect(resolveEngine({ ...none, file: { type: 'memory', maxHistoryBytes: 1024 } })).toEqual({ type: 'memory', maxHistoryBytes: 1024 });
    expect(resolveEngine({ ...none, file: { type: 'memory', maxHistoryBytes: 1024 }, env: { RELAIS_MAX_HISTORY_BYTES: '2048' } })).toEqual({
      type: 'memory',
      maxHistoryBytes: 2048,
    });
    expect(() => resolveEngine({ ...none, env: { RELAIS_MAX_HISTORY_BYTES: 'lots' } })).toThrow(
      new UsageError('RELAIS_MAX_HISTORY_BYTES must be a positive integer of bytes, got "lots"'),
    );
    expect(() => resolveEngine({ ...none, file: { type: 'redis', urls: ['redis://a:1'], maxHistoryBytes: 1 } })).toThrow(
      /engine.maxHistoryBytes belongs to/,
    );
  });

  it('takes the config file, then the environment, then the flags', async () => {
    const read = files({ 'r.json': JSON.stringify({ engine: { type: 'redis', urls: ['redis://file:1'], prefix: 'app1' } }) });
    expect((await resolveServeConfig({ command: 'serve', config: 'r.json' }, {}, read)).engine).toEqual({
      type: 'redis',
      urls: ['redis://file:1'],
      prefix: 'app1',
    });
    const env = { RELAIS_REDIS_URL: 'redis://env:1, redis://env:2', RELAIS_REDIS_PREFIX: 'app2' };
    expect((await resolveServeConfig({ command: 'serve', config: 'r.json' }, env, read)).engine).toEqual({
      type: 'redis',
      urls: ['redis://env:1', 'redis://env:2'],
      prefix: 'app2',
    });
    const flags = { command: 'serve' as const, config: 'r.json', redisUrls: ['redis://flag:1'] };
    expect((await resolveServeConfig(flags, env, read)).engine).toEqual({ type: 'redis', urls: ['redis://flag:1'], prefix: 'app2' });
    // --engine memory overrides the file's redis engine, whose URLs are then unused.
    expect((await resolveServeConfig({ command: 'serve', config: 'r.json', engine: 'memory' }, {}, read)).engine).toEqual({
      type: 'memory',
    });
  });

  it('reads RELAIS_ENGINE and --engine', () => {
    expect(resolveEngine({ ...none, env: { RELAIS_ENGINE: 'redis', RELAIS_REDIS_URL: 'redis://h:1' } })).toEqual({
      type: 'redis',
      urls: ['redis://h:1'],
    });
    expect(resolveEngine({ ...none, env: { RELAIS_ENGINE: 'redis', RELAIS_REDIS_URL: 'redis://h:1' }, flagType: 'memory' })).toEqual({
      type: 'memory',
    });
  });

  it.each([
    [{ flagType: 'mongo' }, '--engine: engine must be one of memory, redis, got "mongo"'],
    [{ env: { RELAIS_ENGINE: 'nats' } }, 'RELAIS_ENGINE: engine must be one of memory, redis, got "nats"'],
    [{ flagType: 'redis' }, 'the redis engine needs at least one --redis-url (or RELAIS_REDIS_URL, or engine.urls in the config file)'],
    [{ flagType: 'redis', flagUrls: ['http://h:1'] }, '--redis-url: a Redis URL must look like redis://host:6379, got "http://h:1"'],
    [{ flagType: 'redis', env: { RELAIS_REDIS_URL: ' , ' } }, 'RELAIS_REDIS_URL: at least one Redis URL is needed'],
    [{ flagUrls: ['redis://h:1'] }, '--redis-url is only used with the redis engine: add --engine redis (or RELAIS_ENGINE=redis)'],
    [
      { env: { RELAIS_REDIS_URL: 'redis://h:1' } },
      'RELAIS_REDIS_URL is only used with the redis engine: add --engine redis (or RELAIS_ENGINE=redis)',
    ],
    [
      { flagType: 'memory', flagUrls: ['redis://h:1'] },
      '--redis-url is only used with the redis engine: add --engine redis (or RELAIS_ENGINE=redis)',
    ],
    [{ file: 'redis' }, 'r.json: engine must be an object like {"type": "redis", "urls": ["redis://127.0.0.1:6379"]}'],
    [{ file: { type: 'redis', url: 'redis://h' } }, 'r.json: unknown engine option "url"'],
    [{ file: { type: 'redis', urls: 'redis://h' } }, 'r.json: engine.urls must be an array of redis:// URLs'],
    [{ file: { type: 'memory', urls: ['redis://h'] } }, 'r.json: engine.urls and engine.prefix belong to {"type": "redis"}'],
    [{ file: { urls: ['redis://h'] } }, 'r.json: engine.type: engine must be one of memory, redis, got undefined'],
  ])('rejects %j with a message naming its source', (sources, message) => {
    expect(() => resolveEngine({ ...none, ...sources } as never)).toThrow(new UsageError(message));
  });
});

describe('createEngine', () => {
  it('loads nothing for the memory engine', async () => {
    const load = async (): Promise<RedisModule> => {
      throw new Error('must not be loaded');
    };
    expect(await createEngine({ type: 'memory' }, silentLogger, load)).toBeUndefined();
    const bounded = await createEngine({ type: 'memory', maxHistoryBytes: 64 }, silentLogger, load);
    expect(bounded?.broker).toBeInstanceOf(MemoryBroker);
    await bounded?.broker.start({ handlePublication() {}, handleJoin() {}, handleLeave() {} });
    const history = { size: 10, ttlMs: 60_000 };
    for (let i = 0; i < 10; i++) await bounded?.broker.publish({ channel: 'a', data: 'x'.repeat(20) }, { history });
    // 64 bytes of bodies keep only the last publications of the ten.
    expect((await bounded!.broker.history('a', {})).publications.length).toBeLessThan(10);
    await bounded?.broker.close();
  });

  it('builds a RedisBroker and a RedisPresenceStore with the URLs, the prefix and the logger', async () => {
    const made: unknown[] = [];
    const fake = function (this: unknown, options: unknown) {
      made.push(options);
    };
    const RedisBroker = fake as unknown as RedisModule['RedisBroker'];
    const RedisPresenceStore = fake as unknown as RedisModule['RedisPresenceStore'];
    const engine = await createEngine({ type: 'redis', urls: ['redis://h:1'], prefix: 'p' }, silentLogger, async () => ({
      RedisBroker,
      RedisPresenceStore,
    }));
    expect(engine?.broker).toBeInstanceOf(fake);
    expect(engine?.presence).toBeInstanceOf(fake);
    const options = { urls: ['redis://h:1'], prefix: 'p', logger: silentLogger };
    expect(made).toEqual([options, options]);
  });
});

import { ReplyError } from '@relais/protocol';
import { encodePublicationBody, type BrokerEventHandler, type Logger, type Publication } from '@relais/server';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker, RedisPresenceStore, type RedisBrokerOptions } from '../src/index.js';
import { REDIS_URL, RedisServer, deleteKeys, freePort, uniquePrefix, waitFor } from './redis-helpers.js';

class Recorder implements BrokerEventHandler {
  readonly received: Publication[] = [];
  readonly interruptions: string[][] = [];
  handlePublication(pub: Publication): void {
    this.received.push(pub);
  }
  handleJoin(): void {}
  handleLeave(): void {}
  handleInterruption(channels: readonly string[]): void {
    this.interruptions.push([...channels].sort());
  }
  data(): unknown[] {
    return this.received.map((pub) => pub.data);
  }
}

/** Records warnings, to check that odd input is reported. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = () => {};
  return {
    warnings,
    debug: noop,
    info: noop,
    error: noop,
    warn: (_obj: unknown, msg?: string) => void warnings.push(msg ?? ''),
  } as Logger & { warnings: string[] };
}

let server: RedisServer;
const prefixes: string[] = [];
let open: RedisBroker[] = [];
let clients: Redis[] = [];

beforeAll(async () => {
  server = await RedisServer.start();
});

afterEach(async () => {
  await Promise.all(open.map((broker) => broker.close()));
  open = [];
  for (const client of clients) client.disconnect();
  clients = [];
  if (!server.running) await server.restart();
});

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteKeys(REDIS_URL, prefix)));
  await server.kill();
});

async function started(
  options: Partial<RedisBrokerOptions> = {},
  recorder = new Recorder(),
): Promise<{ broker: RedisBroker; recorder: Recorder }> {
  const prefix = options.prefix ?? uniquePrefix('broker');
  prefixes.push(prefix);
  const broker = new RedisBroker({ urls: [server.url], prefix, maxReconnectDelayMs: 100, ...options });
  open.push(broker);
  await broker.start(recorder);
  return { broker, recorder };
}

function redis(url: string): Redis {
  const client = new Redis(url);
  client.on('error', () => {});
  clients.push(client);
  return client;
}

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ReplyError);
  expect(error).toMatchObject({ code: 115, temporary: true, message: 'the engine is unreachable; retry' });
}

describe('RedisBroker', () => {
  it('carries every field of a publication, binary data included', async () => {
    const { broker, recorder } = await started();
    await broker.subscribe('a');
    const pub: Publication = {
      channel: 'a',
      data: { bytes: new Uint8Array([0, 1, 255]), nested: [1, 'two', null, true] },
      event: 'msg',
      info: { client: 'c1', user: 'u1', info: { name: 'Ann' } },
      excludeClient: 'c1',
    };
    await broker.publish(pub, {});
    await broker.settle();
    expect(recorder.received).toEqual([pub]);
  });

  it('delivers an idempotent publish raced by two nodes exactly once', async () => {
    const prefix = uniquePrefix('race');
    const { broker: a, recorder } = await started({ prefix });
    const { broker: b } = await started({ prefix });
    await a.subscribe('a');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).publish({ channel: 'a', data: i }, { idempotencyKey: 'same', idempotencyTtlMs: 60_000 }),
      ),
    );
    await a.settle();
    expect(recorder.received).toHaveLength(1);
    expect(results.every((result) => JSON.stringify(result) === '{}')).toBe(true);
  });

  it('delivers again once the idempotency key expired in Redis', async () => {
    const prefix = uniquePrefix('expiry');
    const { broker, recorder } = await started({ prefix });
    await broker.subscribe('a');
    await broker.publish({ channel: 'a', data: 1 }, { idempotencyKey: 'k', idempotencyTtlMs: 50 });
    await broker.publish({ channel: 'a', data: 2 }, { idempotencyKey: 'k', idempotencyTtlMs: 50 });
    const inspector = redis(server.url);
    await waitFor(async () => (await inspector.exists(`${prefix}:idem:1:a:k`)) === 0, 5_000, 'the key to expire');
    await broker.publish({ channel: 'a', data: 3 }, { idempotencyKey: 'k', idempotencyTtlMs: 50 });
    await broker.settle();
    expect(recorder.data()).toEqual([1, 3]);
  });

  it('keeps clusters with different prefixes apart on one Redis', async () => {
    const { broker: a, recorder: ra } = await started();
    const { broker: b, recorder: rb } = await started();
    await a.subscribe('x');
    await b.subscribe('x');
    await a.publish({ channel: 'x', data: 'for a' }, {});
    await Promise.all([a.settle(), b.settle()]);
    expect([ra.data(), rb.data()]).toEqual([['for a'], []]);
  });

  it('drops and reports a message on its pub/sub channel that is not a relais publication', async () => {
    const logger = recordingLogger();
    const prefix = uniquePrefix('foreign');
    const { broker, recorder } = await started({ prefix, logger });
    await broker.subscribe('a');
    await redis(server.url).publish(`${prefix}:pub:a`, 'not msgpack {');
    await broker.publish({ channel: 'a', data: 'fine' }, {});
    await broker.settle();
    expect(recorder.data()).toEqual(['fine']);
    expect(logger.warnings).toContain('redis: dropped a message that is not a relais publication');
  });

  it('starts a new epoch, without the old publications, when Redis lost the stream metadata', async () => {
    const prefix = uniquePrefix('meta');
    const { broker } = await started({ prefix });
    const keep = { history: { size: 10, ttlMs: 60_000 } };
    const first = await broker.publish({ channel: 'a', data: 1 }, keep);
    await redis(server.url).del(`${prefix}:meta:a`);
    const second = await broker.publish({ channel: 'a', data: 2 }, keep);
    expect(second.offset).toBe(1);
    expect(second.epoch).not.toBe(first.epoch);
    expect((await broker.history('a', {})).publications.map((pub) => pub.data)).toEqual([2]);
  });

  it('keeps the offset and epoch for historyMetaTtlMs, longer than the publications', async () => {
    const prefix = uniquePrefix('metattl');
    const { broker } = await started({ prefix, historyMetaTtlMs: 120_000 });
    await broker.publish({ channel: 'a', data: 1 }, { history: { size: 10, ttlMs: 1_000 } });
    const inspector = redis(server.url);
    const [streamTtl, metaTtl] = await Promise.all([inspector.pttl(`${prefix}:stream:a`), inspector.pttl(`${prefix}:meta:a`)]);
    expect(streamTtl).toBeGreaterThan(0);
    expect(streamTtl).toBeLessThanOrEqual(1_000);
    expect(metaTtl).toBeGreaterThan(60_000);
    expect(metaTtl).toBeLessThanOrEqual(120_000);
  });

  it('trims expired publications beyond one batch of the trimming loop', async () => {
    const { broker } = await started();
    const short = { history: { size: 1_000, ttlMs: 300 } };
    for (let i = 0; i < 250; i++) await broker.publish({ channel: 'a', data: i }, short);
    await waitFor(async () => (await broker.history('a', {})).publications.length === 0, 10_000, 'every publication to expire');
    const last = await broker.publish({ channel: 'a', data: 'fresh' }, short);
    expect(last.offset).toBe(251);
    expect((await broker.history('a', {})).publications.map((pub) => pub.data)).toEqual(['fresh']);
  });

  it('skips a history entry it cannot decode, so the rest of the history stays readable', async () => {
    const logger = recordingLogger();
    const { broker } = await started({ logger });
    const keep = { history: { size: 10, ttlMs: 60_000 } };
    await broker.publish({ channel: 'a', data: 1 }, keep);
    // What a node that did not check data at publish could store: MessagePack decoders refuse the key.
    await broker.publish({ channel: 'a', data: JSON.parse('{"__proto__":{"x":1}}') as unknown }, keep);
    await broker.publish({ channel: 'a', data: 3 }, keep);
    const { publications, position } = await broker.history('a', {});
    expect(publications.map((pub) => [pub.offset, pub.data])).toEqual([
      [1, 1],
      [3, 3],
    ]);
    expect(position.offset).toBe(3);
    expect(logger.warnings).toContain('redis: skipped a history entry that is not a readable relais publication');
  });

  it('keeps the byte total of the stream in its metadata, right after TTL trims of many batches', async () => {
    const prefix = uniquePrefix('bytes');
    const { broker } = await started({ prefix });
    const short = { history: { size: 1_000, ttlMs: 300, maxBytes: 1_000_000 } };
    for (let i = 0; i < 250; i++) await broker.publish({ channel: 'a', data: i }, short);
    await waitFor(async () => (await broker.history('a', {})).publications.length === 0, 10_000, 'every publication to expire');
    const fresh = { channel: 'a', data: 'fresh' };
    await broker.publish(fresh, short);
    expect(await redis(server.url).hget(`${prefix}:meta:a`, 'bytes')).toBe(String(encodePublicationBody(fresh).byteLength));
  });

  it('counts from 0 again when the stream vanished before its metadata (expired, deleted)', async () => {
    const prefix = uniquePrefix('vanished');
    const { broker } = await started({ prefix });
    const unit = encodePublicationBody({ channel: 'a', data: 1 }).byteLength;
    const history = { size: 10, ttlMs: 60_000, maxBytes: 2 * unit };
    for (const data of [1, 2]) await broker.publish({ channel: 'a', data }, { history });
    await redis(server.url).del(`${prefix}:stream:a`);
    for (const data of [3, 4]) await broker.publish({ channel: 'a', data }, { history });
    expect((await broker.history('a', {})).publications.map((pub) => pub.offset)).toEqual([3, 4]);
  });

  it('keeps binary data intact in history', async () => {
    const { broker } = await started();
    await broker.publish({ channel: 'a', data: new Uint8Array([0x7c, 0, 255]) }, { history: { size: 10, ttlMs: 60_000 } });
    const { publications } = await broker.history('a', {});
    expect(publications.map((pub) => pub.data)).toEqual([new Uint8Array([0x7c, 0, 255])]);
  });

  it('rejects data Redis cannot carry with a TypeError, not 115', async () => {
    const { broker } = await started();
    await expect(broker.publish({ channel: 'a', data: 10n }, {})).rejects.toThrow(TypeError);
  });
});

describe('RedisBroker when Redis fails', () => {
  it('refuses to start when a shard is unreachable, naming it without its password', async () => {
    const port = await freePort();
    const broker = new RedisBroker({ urls: [server.url, `redis://user:secret@127.0.0.1:${port}`], connectTimeoutMs: 2_000 });
    open.push(broker);
    const error = (await broker.start(new Recorder()).catch((failure: unknown) => failure)) as Error;
    expect(error.message).toMatch(new RegExp(`^RedisBroker: cannot connect to redis://user:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `));
    expect(error.message).not.toContain('secret');
    await expect(broker.publish({ channel: 'a', data: 1 }, {})).rejects.toThrow('RedisBroker is closed');
  });

  it('rejects publishes and subscribes with temporary error 115 while Redis is down, and recovers by itself', async () => {
    const { broker, recorder } = await started();
    await broker.subscribe('a');
    await server.kill();
    await expectUnavailable(broker.publish({ channel: 'a', data: 'lost?' }, {}));
    await expectUnavailable(broker.publish({ channel: 'a', data: 'lost?' }, { idempotencyKey: 'k' }));
    await expectUnavailable(broker.subscribe('b'));
    await expectUnavailable(broker.history('a', {}));
    await expectUnavailable(broker.publishJoin('a', { client: 'c', user: 'u' }));
    await server.restart();
    // The subscriber connection came back: the node is told that channel a may have missed
    // publications, and a is subscribed again.
    await waitFor(() => recorder.interruptions.length > 0, 10_000, 'the interruption report');
    expect(recorder.interruptions).toEqual([['a']]);
    await waitFor(
      () =>
        broker.publish({ channel: 'a', data: 'back' }, {}).then(
          () => true,
          () => false,
        ),
      10_000,
      'publishes to succeed',
    );
    await broker.subscribe('b');
    await broker.publish({ channel: 'b', data: 'b too' }, {});
    await broker.settle();
    expect(recorder.data()).toEqual(['back', 'b too']);
  });

  it('fails a publish that Redis does not answer within commandTimeoutMs with 115', async () => {
    const { broker } = await started({ commandTimeoutMs: 200 });
    const admin = redis(server.url);
    // Redis stays connected but stops answering for 1 s.
    await admin.client('PAUSE', 1_000, 'ALL');
    await expectUnavailable(broker.publish({ channel: 'a', data: 1 }, {}));
  });

  it('reports only the channels of the shard whose subscriber connection was lost', async () => {
    const other = await RedisServer.start();
    try {
      const prefix = uniquePrefix('shards');
      const { broker, recorder } = await started({ urls: [server.url, other.url], prefix });
      // With two shards, 'a' lives on shard 0 and 'b' on shard 1 (see shard.test.ts).
      expect([broker.shardOf('a'), broker.shardOf('b')]).toEqual([0, 1]);
      await broker.subscribe('a');
      await broker.subscribe('b');
      await redis(other.url).client('KILL', 'TYPE', 'pubsub');
      await waitFor(() => recorder.interruptions.length > 0, 10_000, 'the interruption report');
      expect(recorder.interruptions).toEqual([['b']]);
      await broker.publish({ channel: 'a', data: 1 }, {});
      await broker.publish({ channel: 'b', data: 2 }, {});
      await broker.settle();
      // Two shards, two connections: no order across channels.
      expect(recorder.data().sort()).toEqual([1, 2]);
    } finally {
      await Promise.all(open.map((broker) => broker.close()));
      await other.kill();
    }
  });

  it('does not report channels unsubscribed while the link was down', async () => {
    const { broker, recorder } = await started();
    await broker.subscribe('a');
    await broker.subscribe('b');
    await server.kill();
    await broker.unsubscribe('b');
    await server.restart();
    await waitFor(() => recorder.interruptions.length > 0, 10_000, 'the interruption report');
    expect(recorder.interruptions).toEqual([['a']]);
  });

  it('fails presence calls with 115 while Redis is down, and serves them again once it is back', async () => {
    const store = new RedisPresenceStore({ urls: [server.url], prefix: uniquePrefix('presence'), maxReconnectDelayMs: 100 });
    try {
      await store.add('a', { client: 'c', user: 'u' }, 60_000);
      await server.kill();
      await expectUnavailable(store.presence('a'));
      await expectUnavailable(store.add('a', { client: 'd', user: 'u' }, 60_000));
      await server.restart();
      await waitFor(
        () =>
          store.stats('a').then(
            () => true,
            () => false,
          ),
        10_000,
        'presence to answer again',
      );
      // Redis restarted without persistence: the entries are gone until nodes refresh them.
      expect(await store.presence('a')).toEqual({});
    } finally {
      await store.close();
    }
  });

  it('is closed idempotently, and rejects calls after close', async () => {
    const { broker } = await started();
    await broker.close();
    await broker.close();
    await expect(broker.publish({ channel: 'a', data: 1 }, {})).rejects.toThrow('RedisBroker is closed');
    await expect(broker.subscribe('a')).rejects.toThrow('RedisBroker is closed');
    await expect(broker.start(new Recorder())).rejects.toThrow('RedisBroker is closed');
  });
});

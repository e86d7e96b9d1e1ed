/**
 * @module bench/lib/soak
 * The soak: a relais node (memory or Redis engine) serves well-behaved SDK clients — publishers
 * that await every acknowledgement, JSON and MessagePack subscribers whose sockets are cut at
 * random so that they reconnect and recover — while fuzzing clients attack it (bench/lib/
 * soak-attacks.mjs). At the end it checks what the node promises: every acknowledged
 * publication reached every subscriber exactly once and in order, no session or resource is
 * left behind, and the heap is back near its baseline after GC.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import { createRelais } from '@relais/server';
import WebSocket from 'ws';
import { runAttack } from './soak-attacks.mjs';

const ROOM = 'soak:room';
const IDEMPOTENCY_TTL_MS = 2_000;

/** `gc()` without starting node with --expose-gc. */
function collector() {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  return async () => {
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return process.memoryUsage().heapUsed;
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`soak: timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The engine, and how to remove what it left in its backend. */
async function engineOf(options) {
  if (options.engine !== 'redis') return { engine: undefined, cleanup: async () => {} };
  const { RedisBroker, RedisPresenceStore } = await import('@relais/redis');
  const { Redis } = await import('ioredis');
  const url = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = { urls: [url], prefix: `relais-soak-${process.pid}-${Date.now()}` };
  const cleanup = async () => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${redis.prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await client.del(...keys);
      } while (cursor !== '0');
    } finally {
      client.disconnect();
    }
  };
  return { engine: { broker: new RedisBroker(redis), presence: new RedisPresenceStore(redis) }, cleanup };
}

/** A WebSocket constructor that remembers its sockets, so the soak can cut them. */
function trackedWebSocket(sockets) {
  return class TrackedWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      sockets.add(this);
      this.once('close', () => sockets.delete(this));
    }
  };
}

function sdkClient(url, sockets, encoding) {
  return new Client(url, {
    websocket: trackedWebSocket(sockets),
    encoding,
    minReconnectDelayMs: 10,
    maxReconnectDelayMs: 200,
    timeoutMs: 30_000,
    window: null,
    document: null,
    logger: { debug() {}, error() {} },
  });
}

/** A subscriber recording, per publisher, the sequence numbers it received. */
function subscriber(client) {
  const sub = client.subscribe(ROOM);
  const received = new Map();
  const outcome = { recovered: 0, notRecovered: 0, duplicates: 0, foreign: 0 };
  sub.on('publication', ({ data }) => {
    if (typeof data !== 'object' || data === null || typeof data.p !== 'number' || typeof data.seq !== 'number') {
      outcome.foreign++;
      return;
    }
    const list = received.get(data.p) ?? [];
    if (list.includes(data.seq)) outcome.duplicates++;
    list.push(data.seq);
    received.set(data.p, list);
  });
  sub.on('state', ({ state, recovered }) => {
    if (state !== 'subscribed') return;
    if (recovered === true) outcome.recovered++;
    if (recovered === false) outcome.notRecovered++;
  });
  return { client, sub, received, outcome };
}

/**
 * Runs the soak for `seconds` and resolves with its report; `report.failures` lists every
 * broken promise (empty when the node kept them all).
 */
export async function runSoak({
  seconds = 30,
  engine = 'memory',
  redisUrl,
  publishers = 4,
  subscribers = 6,
  fuzzers = 3,
  heapMarginBytes = 16 * 1024 * 1024,
  log = () => {},
} = {}) {
  const heap = collector();
  const errors = [];
  const logger = { debug() {}, info() {}, warn() {}, error: (obj, msg) => errors.push(`${msg ?? ''} ${obj?.err?.message ?? ''}`.trim()) };
  const backend = await engineOf({ engine, redisUrl });
  const relais = createRelais({
    logger,
    engine: backend.engine,
    idempotencyTtlMs: IDEMPOTENCY_TTL_MS,
    namespaces: {
      soak: { historySize: 5_000, historyTtlMs: 600_000, presence: true, joinLeave: true },
      fuzz: { historySize: 20, historyTtlMs: 60_000 },
    },
  });
  const { port } = await relais.listen({ port: 0 });
  const url = `ws://127.0.0.1:${port}${relais.options.path}`;
  const sockets = new Set();
  const baseline = await heap();
  log(`node on ${url} (${engine}); heap baseline ${(baseline / 1e6).toFixed(1)} MB`);

  const subs = Array.from({ length: subscribers }, (_, i) => subscriber(sdkClient(url, sockets, i % 2 === 0 ? 'json' : msgpack)));
  const pubs = Array.from({ length: publishers }, (_, i) => ({
    p: i,
    client: sdkClient(url, sockets, i % 2 === 0 ? msgpack : 'json'),
    acked: 0,
  }));
  for (const { client } of [...subs, ...pubs]) client.connect();
  await until(() => subs.every(({ sub }) => sub.state === 'subscribed'), 10_000, 'the subscribers');

  const endAt = Date.now() + seconds * 1000;
  let attacks = 0;
  let cuts = 0;
  const attackCodes = new Map();
  const publishing = pubs.map(async (publisher) => {
    while (Date.now() < endAt) {
      await publisher.client.publish(ROOM, { p: publisher.p, seq: publisher.acked });
      publisher.acked++;
    }
  });
  const fuzzing = Array.from({ length: fuzzers }, async () => {
    while (Date.now() < endAt) {
      const { attack, code } = await runAttack(url, Math.random, 300);
      attacks++;
      const key = `${attack}: ${code}`;
      attackCodes.set(key, (attackCodes.get(key) ?? 0) + 1);
    }
  });
  const cutting = (async () => {
    while (Date.now() < endAt) {
      await sleep(150);
      // Cut a client's socket (no close frame): a subscriber reconnects and recovers from its
      // position, a publisher resends what was in flight with the same idempotency keys.
      const open = [...sockets].filter((socket) => socket.readyState === WebSocket.OPEN);
      const socket = open[Math.floor(Math.random() * open.length)];
      if (socket) {
        socket.terminate();
        cuts++;
      }
    }
  })();
  await Promise.all([...publishing, ...fuzzing, cutting]);
  log(`load done: ${pubs.reduce((n, p) => n + p.acked, 0)} publications acknowledged, ${attacks} attacks, ${cuts} cuts`);

  const failures = [];
  try {
    await until(
      () => subs.every(({ received }) => pubs.every(({ p, acked }) => (received.get(p)?.length ?? 0) >= acked)),
      20_000,
      'every subscriber to catch up',
    );
  } catch (error) {
    failures.push(error.message);
  }
  for (const [i, { received, outcome }] of subs.entries()) {
    if (outcome.duplicates > 0) failures.push(`subscriber ${i}: ${outcome.duplicates} duplicates`);
    if (outcome.notRecovered > 0) failures.push(`subscriber ${i}: ${outcome.notRecovered} recoveries failed`);
    for (const { p, acked } of pubs) {
      const list = received.get(p) ?? [];
      const inOrder = list.length === acked && list.every((seq, at) => seq === at);
      if (!inOrder)
        failures.push(
          `subscriber ${i}: publisher ${p} sent ${acked}, received ${list.length}${list.length === acked ? ' out of order' : ''}`,
        );
    }
  }

  await Promise.all([...subs, ...pubs].map(({ client }) => client.close()));
  try {
    await until(() => relais.connections === 0, 10_000, 'every connection to close');
    const nothing = { holds: 0, brokerChannels: 0, presenceEntries: 0, tokenTimers: 0 };
    await until(() => JSON.stringify(relais.stats().resources) === JSON.stringify(nothing), 10_000, 'every resource to be released');
  } catch (error) {
    failures.push(`${error.message}: ${JSON.stringify({ connections: relais.connections, resources: relais.stats().resources })}`);
  }
  // Idempotency keys live IDEMPOTENCY_TTL_MS; one publish after that sweeps the expired ones.
  await sleep(IDEMPOTENCY_TTL_MS + 100);
  await relais.publish('fuzz:sweep', 'sweep', { idempotencyKey: 'sweep' });
  const after = await heap();
  const grown = after - baseline;
  if (grown > heapMarginBytes)
    failures.push(`heap grew by ${(grown / 1e6).toFixed(1)} MB after GC (allowed ${(heapMarginBytes / 1e6).toFixed(1)} MB)`);
  if (errors.length > 0) failures.push(`the node logged ${errors.length} errors, first: ${errors[0]}`);
  const report = {
    engine,
    seconds,
    acknowledged: pubs.reduce((n, p) => n + p.acked, 0),
    attacks,
    cuts,
    recoveries: subs.reduce((n, { outcome }) => n + outcome.recovered, 0),
    foreign: subs.reduce((n, { outcome }) => n + outcome.foreign, 0),
    heapGrowthBytes: grown,
    attackOutcomes: Object.fromEntries([...attackCodes].sort()),
    failures,
  };
  await relais.close();
  await backend.cleanup();
  return report;
}

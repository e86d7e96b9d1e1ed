/**
 * Property-based abuse test over real sockets: while well-behaved clients publish to a live
 * node, attackers send random and mutated frames, oversized frames, command floods and deflate
 * bombs. The node must stay up, log no internal error, close each attacker with a documented
 * code (never 3004 or 1011), deliver every publication of the well-behaved clients exactly once
 * and in order, and leave no connection or subscription behind.
 */
import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, type Push } from '@relais/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import { createRelais, type Relais } from '../node.js';
import { TestClient } from '../testkit/ws-client.js';

const MAX_MESSAGE_BYTES = 16 * 1024;
const PUBLISHES_PER_CLIENT = 12;
/** Close codes an attacker may get: protocol violations, size, flood, UTF-8, or its own close. */
const DOCUMENTED = new Set([1000, 1005, 1006, 1007, 1009, 3013, 3501, 3505]);

const VALID_FRAMES = [
  '{"id":1,"method":"connect","params":{"name":"fuzz"}}',
  '{"id":2,"method":"subscribe","params":{"channel":"chat:room"}}',
  '{"id":3,"method":"publish","params":{"channel":"chat:room","data":{"text":"hi"},"idempotencyKey":"k"}}',
  '{"id":4,"method":"rpc","params":{"method":"echo","data":[1,2,3]}}',
  '{"id":5,"method":"sub_refresh","params":{"channel":"chat:room","token":"x"}}',
];

type Attack =
  | { kind: 'bytes'; data: Uint8Array; connectFirst: boolean }
  | { kind: 'text'; data: string; connectFirst: boolean }
  | { kind: 'json'; value: unknown; connectFirst: boolean }
  | { kind: 'mutated'; base: string; at: number; insert: string; cut: number }
  | { kind: 'oversized'; size: number }
  | { kind: 'flood'; count: number }
  | { kind: 'bomb'; megabytes: number }
  | { kind: 'msgpack'; data: Uint8Array };

const attackArb: fc.Arbitrary<Attack> = fc.oneof(
  fc.record({ kind: fc.constant('bytes' as const), data: fc.uint8Array({ maxLength: 512 }), connectFirst: fc.boolean() }),
  fc.record({ kind: fc.constant('text' as const), data: fc.string({ maxLength: 512 }), connectFirst: fc.boolean() }),
  fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }), connectFirst: fc.boolean() }),
  fc.record({
    kind: fc.constant('mutated' as const),
    base: fc.constantFrom(...VALID_FRAMES),
    at: fc.nat({ max: 120 }),
    insert: fc.string({ maxLength: 8 }),
    cut: fc.nat({ max: 12 }),
  }),
  fc.record({ kind: fc.constant('oversized' as const), size: fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: MAX_MESSAGE_BYTES * 4 }) }),
  fc.record({ kind: fc.constant('flood' as const), count: fc.integer({ min: 1_300, max: 3_000 }) }),
  fc.record({ kind: fc.constant('bomb' as const), megabytes: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('msgpack' as const), data: fc.uint8Array({ minLength: 1, maxLength: 256 }) }),
);

function mutate({ base, at, insert, cut }: Extract<Attack, { kind: 'mutated' }>): string {
  const i = at % (base.length + 1);
  return base.slice(0, i) + insert + base.slice(Math.min(base.length, i + cut));
}

interface Attacker {
  ws: WebSocket;
  closed: Promise<number>;
}

function openAttacker(url: string, protocol: string, deflate: boolean): Promise<Attacker> {
  const ws = new WebSocket(url, protocol, { perMessageDeflate: deflate ? { threshold: 0 } : false });
  ws.on('error', () => {});
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
  });
}

/** Sends connect and waits for its reply (or the close). */
async function connectFirst(attacker: Attacker): Promise<void> {
  const replied = new Promise<void>((resolve) => attacker.ws.once('message', () => resolve()));
  attacker.ws.send(VALID_FRAMES[0]!);
  await Promise.race([replied, attacker.closed]);
}

async function runAttack(url: string, attack: Attack): Promise<Attacker> {
  const protocol = attack.kind === 'msgpack' ? MSGPACK_SUBPROTOCOL : JSON_SUBPROTOCOL;
  const attacker = await openAttacker(url, protocol, attack.kind === 'bomb');
  const send = (data: string | Uint8Array): void => {
    if (attacker.ws.readyState === WebSocket.OPEN) attacker.ws.send(data, { binary: typeof data !== 'string' });
  };
  switch (attack.kind) {
    case 'bytes':
    case 'text':
    case 'json':
      if (attack.connectFirst) await connectFirst(attacker);
      send(attack.kind === 'json' ? JSON.stringify(attack.value) : attack.data);
      break;
    case 'mutated':
      send(mutate(attack));
      break;
    case 'oversized':
      await connectFirst(attacker);
      send(`{"id":2,"method":"send","params":{"data":"${'x'.repeat(attack.size)}"}}`);
      break;
    case 'flood': {
      await connectFirst(attacker);
      const batch = Array.from({ length: 100 }, (_, i) => `{"id":${i + 10},"method":"ping"}`).join('\n');
      for (let sent = 0; sent < attack.count; sent += 100) send(batch);
      break;
    }
    case 'bomb':
      send(`{"id":1,"method":"connect","params":{"data":"${'a'.repeat(attack.megabytes * 1024 * 1024)}"}}`);
      break;
    case 'msgpack':
      send(attack.data);
      break;
  }
  return attacker;
}

/** A well-behaved client: connected, subscribed to chat:room, answering pings. */
async function goodClient(url: string): Promise<TestClient & { id: string }> {
  const client = await TestClient.open(url, { protocols: JSON_SUBPROTOCOL, autoPong: true });
  const { client: id } = await client.call<{ client: string }>('connect');
  await client.call('subscribe', { channel: 'chat:room' });
  return Object.assign(client, { id });
}

/** Collects this client's publications on chat:room, by publisher, until `count` of `from` arrived. */
async function collect(client: TestClient, from: Set<string>, count: number): Promise<Map<string, unknown[]>> {
  const byPublisher = new Map<string, unknown[]>([...from].map((id) => [id, []]));
  let total = 0;
  while (total < count) {
    const push = (await client.nextPush((p) => p.type === 'publication')) as Push & { data: unknown; info?: { client: string } };
    const list = push.info && byPublisher.get(push.info.client);
    if (list) {
      list.push(push.data);
      total++;
    }
  }
  return byPublisher;
}

describe('abuse over real sockets (fast-check)', () => {
  let relais: Relais;
  let url: string;
  let base: string;
  const internalErrors: unknown[] = [];

  beforeAll(async () => {
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: () => {},
      error: (...args: unknown[]) => internalErrors.push(args),
    } as unknown as Logger;
    relais = createRelais({
      logger,
      compression: true,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      maxQueueBytes: 256 * 1024,
      namespaces: { chat: {} },
      limits: { perConnection: { commands: { perSecond: 200, burst: 400 } }, floodFactor: 2 },
    });
    relais.rpc('echo', ({ data }) => data);
    const { port } = await relais.listen({ port: 0 });
    base = `http://127.0.0.1:${port}`;
    url = `ws://127.0.0.1:${port}/connection/websocket`;
  });

  afterAll(async () => {
    await relais.close();
  });

  it('stays up and loses nothing of the well-behaved clients', { timeout: 30_000 }, async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(attackArb, { minLength: 1, maxLength: 6 }), async (attacks) => {
        run++;
        const good = [await goodClient(url), await goodClient(url)];
        const publishers = new Set(good.map((c) => c.id));
        try {
          const expected = good.length * PUBLISHES_PER_CLIENT;
          const receiving = good.map((c) => collect(c, publishers, expected));
          const attackers = Promise.all(attacks.map((attack) => runAttack(url, attack)));
          // Well-behaved clients publish while the attacks run; each waits for its reply.
          await Promise.all(
            good.map(async (client) => {
              for (let seq = 0; seq < PUBLISHES_PER_CLIENT; seq++) {
                await client.call('publish', { channel: 'chat:room', data: { run, seq }, idempotencyKey: `${run}-${client.id}-${seq}` });
              }
            }),
          );
          const received = await Promise.all(receiving);
          const sequence = Array.from({ length: PUBLISHES_PER_CLIENT }, (_, seq) => ({ run, seq }));
          for (const byPublisher of received) for (const list of byPublisher.values()) expect(list).toEqual(sequence);

          const opened = await attackers;
          for (const attacker of opened) if (attacker.ws.readyState === WebSocket.OPEN) attacker.ws.close();
          const codes = await Promise.all(opened.map((a) => a.closed));
          for (const code of codes) expect(DOCUMENTED).toContain(code);
        } finally {
          await Promise.all(good.map((c) => c.close()));
        }
        // Everything the run opened is gone from the node.
        await expect.poll(() => relais.connections, { timeout: 5_000 }).toBe(0);
        expect(relais.stats().subscriptions).toBe(0);
        await expect
          .poll(() => relais.stats().resources, { timeout: 5_000 })
          .toEqual({ holds: 0, brokerChannels: 0, presenceEntries: 0, tokenTimers: 0 });
        const health = await fetch(`${base}/health`);
        expect(health.status).toBe(200);
      }),
      { numRuns: 8, endOnFailure: true },
    );
    expect(internalErrors).toEqual([]);
    const stats = relais.stats();
    expect(stats.disconnects['3004'] ?? 0).toBe(0);
    // Bounded memory: eight runs of floods and bombs leave the heap within a fixed margin.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(128 * 1024 * 1024);
  });
});

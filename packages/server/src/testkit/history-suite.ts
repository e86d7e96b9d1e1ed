/**
 * @module testkit/history-suite
 * The contract suite of the Broker's history and join/leave: every backend runs it.
 * This file imports vitest: use it only from test files.
 *
 * @example
 * runHistorySuite('MemoryBroker', (count, { now }) => {
 *   const bus = new MemoryBus({ now });
 *   return Array.from({ length: count }, () => new MemoryBroker({ bus }));
 * }, { fakeClock: true });
 */
import { describe, expect, it } from 'vitest';
import type { ClientInfo } from '@relais/protocol';
import type { Broker, BrokerEventHandler, HistoryOptions, Publication } from '../broker.js';
import { encodePublicationBody } from '../publication-body.js';
import { brokerStarter, type MakeBrokers } from './start-brokers.js';

export interface HistorySuiteOptions {
  /** Whether the brokers use `context.now`, so that TTL trimming is tested with a fake clock. @default false */
  fakeClock?: boolean;
  /**
   * Without a fake clock: a short real TTL in ms (e.g. 200) to test TTL trimming against the
   * backend's own clock, polled up to 50× this long. @default undefined: the TTL test is skipped
   */
  realTtlMs?: number;
  /** Resolves once publications sent so far reached every node (async backends). */
  settle?: () => Promise<void>;
  /** Channel name prefix, so runs against a shared backend do not collide. @default a random one */
  prefix?: string;
}

type Delivery = { type: 'pub'; pub: Publication } | { type: 'join' | 'leave'; channel: string; info: ClientInfo };

class Recorder implements BrokerEventHandler {
  readonly events: Delivery[] = [];
  handlePublication(pub: Publication): void {
    this.events.push({ type: 'pub', pub });
  }
  handleJoin(channel: string, info: ClientInfo): void {
    this.events.push({ type: 'join', channel, info });
  }
  handleLeave(channel: string, info: ClientInfo): void {
    this.events.push({ type: 'leave', channel, info });
  }
  offsets(): (number | undefined)[] {
    return this.events.flatMap((event) => (event.type === 'pub' ? [event.pub.offset] : []));
  }
}

const KEEP: HistoryOptions = { size: 100, ttlMs: 600_000 };

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function runHistorySuite(name: string, makeBrokers: MakeBrokers, options: HistorySuiteOptions = {}): void {
  const settle = options.settle ?? (async () => {});
  const prefix = options.prefix ?? `h${Math.random().toString(36).slice(2, 8)}`;

  describe(`History contract: ${name}`, () => {
    let clockMs = 1_000_000;
    let serial = 0;
    /** A fresh channel name per test. */
    const channel = (): string => `${prefix}:${++serial}`;

    const start = brokerStarter(
      makeBrokers,
      () => clockMs,
      () => new Recorder(),
    );

    async function publishMany(broker: Broker, ch: string, count: number, history: HistoryOptions = KEEP): Promise<void> {
      for (let i = 1; i <= count; i++) await broker.publish({ channel: ch, data: i }, { history });
    }

    /** Data whose publication body (what maxBytes counts) is exactly `bytes` long. */
    function dataOf(bytes: number, tag: number): { tag: number; pad: string } {
      for (let pad = 0; pad <= bytes; pad++) {
        const data = { tag, pad: 'x'.repeat(pad) };
        if (encodePublicationBody({ channel: '', data }).byteLength === bytes) return data;
      }
      throw new Error(`no data with a ${bytes}-byte body`);
    }

    /** Publishes one publication per size in `sizes` (bytes of body); data.tag is its index + 1. */
    async function publishSized(broker: Broker, ch: string, sizes: readonly number[], history: HistoryOptions): Promise<void> {
      for (const [i, bytes] of sizes.entries()) await broker.publish({ channel: ch, data: dataOf(bytes, i + 1) }, { history });
    }

    async function keptOffsets(broker: Broker, ch: string): Promise<number[]> {
      return (await broker.history(ch, {})).publications.map((p) => p.offset as number);
    }

    /** Lets the first publication of `ch` (published with `ttlMs`, the second one not) expire. */
    async function expireFirst(broker: Broker, ch: string, ttlMs: number): Promise<void> {
      if (options.fakeClock) clockMs += ttlMs;
      else await waitFor(async () => (await keptOffsets(broker, ch))[0] !== 1, ttlMs * 50);
    }

    it('gives offsets from 1, one per publication, with one epoch, in the result and the delivery', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      const ch = channel();
      await broker!.subscribe(ch);
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await broker!.publish({ channel: ch, data: i }, { history: KEEP }));
      await settle();
      expect(results.map((r) => r.offset)).toEqual([1, 2, 3]);
      const epoch = results[0]!.epoch;
      expect(typeof epoch).toBe('string');
      expect(epoch!.length).toBeGreaterThan(0);
      expect(results.every((r) => r.epoch === epoch)).toBe(true);
      expect(recorder!.offsets()).toEqual([1, 2, 3]);
      expect(recorder!.events.every((e) => e.type === 'pub' && e.pub.epoch === epoch)).toBe(true);
    });

    it('neither numbers nor stores a publication published without history', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      const ch = channel();
      await broker!.subscribe(ch);
      await broker!.publish({ channel: ch, data: 'a' }, { history: KEEP });
      const plain = await broker!.publish({ channel: ch, data: 'typing' }, {});
      await broker!.publish({ channel: ch, data: 'b' }, { history: KEEP });
      await settle();
      expect(plain.offset).toBeUndefined();
      expect(recorder!.offsets()).toEqual([1, undefined, 2]);
      const { publications } = await broker!.history(ch, {});
      expect(publications.map((p) => p.data)).toEqual(['a', 'b']);
    });

    it('returns the kept publications oldest first with their fields, and the current position', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      const info = { client: 'c1', user: 'u1', info: { name: 'Ann' } };
      const first = await broker!.publish({ channel: ch, data: { n: 1 }, event: 'msg', info }, { history: KEEP });
      await broker!.publish({ channel: ch, data: { n: 2 } }, { history: KEEP });
      const result = await broker!.history(ch, {});
      expect(result.position).toEqual({ offset: 2, epoch: first.epoch });
      expect(result.publications).toEqual([
        expect.objectContaining({ channel: ch, data: { n: 1 }, event: 'msg', info, offset: 1, epoch: first.epoch }),
        expect.objectContaining({ channel: ch, data: { n: 2 }, offset: 2, epoch: first.epoch }),
      ]);
    });

    it('creates the stream on the first read, and keeps that epoch for the first publish', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      const before = await broker!.history(ch, { limit: 0 });
      expect(before.position.offset).toBe(0);
      expect(before.position.epoch.length).toBeGreaterThan(0);
      const result = await broker!.publish({ channel: ch, data: 1 }, { history: KEEP });
      expect(result).toEqual({ offset: 1, epoch: before.position.epoch });
    });

    it('shares offsets, epoch and history between the nodes of a cluster', async () => {
      const { brokers } = await start(2);
      const ch = channel();
      const a = await brokers[0]!.publish({ channel: ch, data: 'a' }, { history: KEEP });
      const b = await brokers[1]!.publish({ channel: ch, data: 'b' }, { history: KEEP });
      expect([a.offset, b.offset]).toEqual([1, 2]);
      expect(b.epoch).toBe(a.epoch);
      const fromOther = await brokers[0]!.history(ch, {});
      expect(fromOther.publications.map((p) => p.data)).toEqual(['a', 'b']);
    });

    it('keeps separate offsets per channel', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const [x, y] = [channel(), channel()];
      await publishMany(broker!, x, 3);
      const result = await broker!.publish({ channel: y, data: 1 }, { history: KEEP });
      expect(result.offset).toBe(1);
    });

    it('trims to the size without renumbering', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      await publishMany(broker!, ch, 5, { size: 3, ttlMs: 600_000 });
      const result = await broker!.history(ch, {});
      expect(result.publications.map((p) => p.offset)).toEqual([3, 4, 5]);
      expect(result.position.offset).toBe(5);
    });

    it('returns only publications after `since`, honours limit and reverse', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      await publishMany(broker!, ch, 6);
      const { position } = await broker!.history(ch, { limit: 0 });
      const since = { offset: 2, epoch: position.epoch };
      const offsets = async (query: object): Promise<number[]> =>
        (await broker!.history(ch, query)).publications.map((p) => p.offset as number);
      expect(await offsets({ since })).toEqual([3, 4, 5, 6]);
      expect(await offsets({ since, limit: 2 })).toEqual([3, 4]);
      expect(await offsets({ limit: 2, reverse: true })).toEqual([6, 5]);
      expect(await offsets({ reverse: true })).toEqual([6, 5, 4, 3, 2, 1]);
      expect(await offsets({ since: { offset: 6, epoch: position.epoch } })).toEqual([]);
      expect(await offsets({ limit: 0 })).toEqual([]);
    });

    it('returns nothing, but the current position, for a position of another epoch', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      await publishMany(broker!, ch, 3);
      const result = await broker!.history(ch, { since: { offset: 1, epoch: 'another-epoch' } });
      expect(result.publications).toEqual([]);
      expect(result.position.offset).toBe(3);
      expect(result.position.epoch).not.toBe('another-epoch');
    });

    it('does not consume an offset for an idempotent retry, and returns the first offset', async () => {
      const { brokers, recorders } = await start(2);
      const ch = channel();
      await brokers[0]!.subscribe(ch);
      const opts = { history: KEEP, idempotencyKey: 'k', idempotencyTtlMs: 60_000 };
      const first = await brokers[0]!.publish({ channel: ch, data: 'x' }, opts);
      const retry = await brokers[1]!.publish({ channel: ch, data: 'x' }, opts);
      const next = await brokers[1]!.publish({ channel: ch, data: 'y' }, { history: KEEP });
      await settle();
      expect(retry).toEqual(first);
      expect(next.offset).toBe(2);
      expect(recorders[0]!.offsets()).toEqual([1, 2]);
      expect((await brokers[0]!.history(ch, {})).publications.map((p) => p.data)).toEqual(['x', 'y']);
    });

    it('removes the kept publications but keeps the offset and epoch', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      const first = await broker!.publish({ channel: ch, data: 1 }, { history: KEEP });
      await broker!.publish({ channel: ch, data: 2 }, { history: KEEP });
      await broker!.removeHistory(ch);
      const result = await broker!.history(ch, {});
      expect(result).toEqual({ publications: [], position: { offset: 2, epoch: first.epoch } });
      expect(await broker!.publish({ channel: ch, data: 3 }, { history: KEEP })).toEqual({ offset: 3, epoch: first.epoch });
    });

    describe('maxBytes', () => {
      const U = 100;
      const bytes = (maxBytes: number, size = 100, ttlMs = 600_000): HistoryOptions => ({ size, ttlMs, maxBytes });

      it('trims the oldest while the kept bodies exceed maxBytes, without renumbering', async () => {
        const {
          brokers: [broker],
        } = await start(1);
        const [exact, slack] = [channel(), channel()];
        await publishSized(broker!, exact, [U, U, U, U, U], bytes(3 * U));
        await publishSized(broker!, slack, [U, U, U, U, U], bytes(4 * U - 1));
        expect(await keptOffsets(broker!, exact)).toEqual([3, 4, 5]);
        expect(await keptOffsets(broker!, slack)).toEqual([3, 4, 5]);
        expect((await broker!.history(exact, {})).position.offset).toBe(5);
        expect((await broker!.history(exact, {})).publications.map((p) => (p.data as { tag: number }).tag)).toEqual([3, 4, 5]);
      });

      it('drops as many of the oldest as a larger publication needs', async () => {
        const {
          brokers: [broker],
        } = await start(1);
        const ch = channel();
        await publishSized(broker!, ch, [U, U, U, U, 3 * U], bytes(4 * U));
        expect(await keptOffsets(broker!, ch)).toEqual([4, 5]);
      });

      it('keeps nothing after a publication larger than maxBytes, and keeps the next ones again', async () => {
        const {
          brokers: [broker],
          recorders: [recorder],
        } = await start(1);
        const ch = channel();
        await broker!.subscribe(ch);
        await publishSized(broker!, ch, [U, U, 3 * U + 1], bytes(3 * U));
        await settle();
        expect(recorder!.offsets()).toEqual([1, 2, 3]);
        const result = await broker!.history(ch, {});
        expect(result).toEqual({ publications: [], position: { offset: 3, epoch: expect.any(String) } });
        await publishSized(broker!, ch, [U, U], bytes(3 * U));
        expect(await keptOffsets(broker!, ch)).toEqual([4, 5]);
      });

      it('stops counting publications trimmed by size', async () => {
        const {
          brokers: [broker],
        } = await start(1);
        const ch = channel();
        // Kept after the size trims: [3, 4], 3U in all, exactly maxBytes.
        await publishSized(broker!, ch, [U, U, U, 2 * U], bytes(3 * U, 2));
        expect(await keptOffsets(broker!, ch)).toEqual([3, 4]);
      });

      it('stops counting removed publications', async () => {
        const {
          brokers: [broker],
        } = await start(1);
        const ch = channel();
        await publishSized(broker!, ch, [U, U], bytes(2 * U));
        await broker!.removeHistory(ch);
        await publishSized(broker!, ch, [U, U], bytes(2 * U));
        expect(await keptOffsets(broker!, ch)).toEqual([3, 4]);
      });

      it.runIf(options.fakeClock || options.realTtlMs !== undefined)('stops counting publications trimmed by TTL', async () => {
        const ttlMs = options.fakeClock ? 1_000 : (options.realTtlMs as number);
        const {
          brokers: [broker],
        } = await start(1);
        const ch = channel();
        await publishSized(broker!, ch, [U], bytes(3 * U, 100, ttlMs));
        await publishSized(broker!, ch, [U], bytes(3 * U));
        await expireFirst(broker!, ch, ttlMs);
        // 2, 3 and 4 are 3U, exactly maxBytes, once 1 no longer counts.
        await publishSized(broker!, ch, [U, U], bytes(3 * U));
        expect(await keptOffsets(broker!, ch)).toEqual([2, 3, 4]);
      });

      it('shares the byte bound between the nodes of a cluster', async () => {
        const { brokers } = await start(2);
        const ch = channel();
        await publishSized(brokers[0]!, ch, [U, U], bytes(3 * U));
        await publishSized(brokers[1]!, ch, [U, U], bytes(3 * U));
        expect(await keptOffsets(brokers[0]!, ch)).toEqual([2, 3, 4]);
      });
    });

    it.runIf(options.fakeClock)('trims publications older than the TTL, keeping the position (fake clock)', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      const ttl = { size: 100, ttlMs: 1_000 };
      const first = await broker!.publish({ channel: ch, data: 1 }, { history: ttl });
      clockMs += 500;
      await broker!.publish({ channel: ch, data: 2 }, { history: ttl });
      clockMs += 500;
      expect((await broker!.history(ch, {})).publications.map((p) => p.data)).toEqual([2]);
      clockMs += 500;
      expect(await broker!.history(ch, {})).toEqual({ publications: [], position: { offset: 2, epoch: first.epoch } });
    });

    it.runIf(!options.fakeClock && options.realTtlMs !== undefined)(
      'trims publications older than the TTL, keeping the position (real clock)',
      async () => {
        const ttlMs = options.realTtlMs as number;
        const {
          brokers: [broker],
        } = await start(1);
        const ch = channel();
        const first = await broker!.publish({ channel: ch, data: 1 }, { history: { size: 100, ttlMs } });
        await waitFor(async () => (await broker!.history(ch, {})).publications.length === 0, ttlMs * 50);
        expect((await broker!.history(ch, {})).position).toEqual({ offset: 1, epoch: first.epoch });
      },
    );

    it('delivers join and leave to every subscribed node once, in order, and to no other node', async () => {
      const { brokers, recorders } = await start(3);
      const ch = channel();
      await brokers[0]!.subscribe(ch);
      await brokers[1]!.subscribe(ch);
      const info = { client: 'c1', user: 'u1', info: { name: 'Ann' } };
      await brokers[2]!.publishJoin(ch, info);
      await brokers[2]!.publishLeave(ch, info);
      await settle();
      const expected = [
        { type: 'join', channel: ch, info },
        { type: 'leave', channel: ch, info },
      ];
      expect(recorders.map((r) => r.events)).toEqual([expected, expected, []]);
    });

    it('never stores join and leave in history', async () => {
      const {
        brokers: [broker],
      } = await start(1);
      const ch = channel();
      await broker!.publishJoin(ch, { client: 'c', user: 'u' });
      const result = await broker!.history(ch, {});
      expect(result.publications).toEqual([]);
      expect(result.position.offset).toBe(0);
    });
  });
}

/**
 * @module testkit/presence-suite
 * The contract suite of the PresenceStore role: every backend runs it.
 * This file imports vitest: use it only from test files.
 *
 * @example
 * runPresenceSuite('MemoryPresenceStore', (count, { now }) => {
 *   const bus = new MemoryBus();
 *   return Array.from({ length: count }, () => new MemoryPresenceStore({ bus, now }));
 * }, { fakeClock: true });
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PresenceStore } from '../presence.js';
import type { BrokerSuiteContext } from './broker-suite.js';

/** Makes `count` stores sharing one backend (nodes of one cluster). */
export type MakePresenceStores = (count: number, context: BrokerSuiteContext) => PresenceStore[] | Promise<PresenceStore[]>;

export interface PresenceSuiteOptions {
  /** Whether the stores use `context.now`, so that expiry is tested with a fake clock. @default false */
  fakeClock?: boolean;
  /**
   * Without a fake clock: a short real TTL in ms (e.g. 200) to test expiry against the
   * backend's own clock, polled up to 50× this long. @default undefined: the expiry test is skipped
   */
  realTtlMs?: number;
  /** Channel name prefix, so runs against a shared backend do not collide. @default a random one */
  prefix?: string;
}

const TTL_MS = 60_000;

export function runPresenceSuite(name: string, makeStores: MakePresenceStores, options: PresenceSuiteOptions = {}): void {
  const prefix = options.prefix ?? `p${Math.random().toString(36).slice(2, 8)}`;

  describe(`PresenceStore contract: ${name}`, () => {
    let clockMs = 1_000_000;
    let open: PresenceStore[] = [];
    let serial = 0;
    const channel = (): string => `${prefix}:${++serial}`;

    async function start(count: number): Promise<PresenceStore[]> {
      const stores = await makeStores(count, { now: () => clockMs });
      open.push(...stores);
      return stores;
    }

    afterEach(async () => {
      await Promise.all(open.map((store) => store.close()));
      open = [];
    });

    it('lists added clients by client id with their info', async () => {
      const [store] = await start(1);
      const ch = channel();
      await store!.add(ch, { client: 'c1', user: 'u1', info: { name: 'Ann' } }, TTL_MS);
      await store!.add(ch, { client: 'c2', user: '' }, TTL_MS);
      expect(await store!.presence(ch)).toEqual({
        c1: { client: 'c1', user: 'u1', info: { name: 'Ann' } },
        c2: { client: 'c2', user: '' },
      });
    });

    it('returns nothing for an empty channel', async () => {
      const [store] = await start(1);
      const ch = channel();
      expect(await store!.presence(ch)).toEqual({});
      expect(await store!.stats(ch)).toEqual({ clients: 0, users: 0 });
    });

    it('replaces an entry added again, and removes entries (absent ones too)', async () => {
      const [store] = await start(1);
      const ch = channel();
      await store!.add(ch, { client: 'c1', user: 'u1', info: 1 }, TTL_MS);
      await store!.add(ch, { client: 'c1', user: 'u1', info: 2 }, TTL_MS);
      expect(await store!.presence(ch)).toEqual({ c1: { client: 'c1', user: 'u1', info: 2 } });
      await store!.remove(ch, 'c1');
      await store!.remove(ch, 'absent');
      expect(await store!.presence(ch)).toEqual({});
    });

    it('counts clients and distinct users, anonymous ones as one user', async () => {
      const [store] = await start(1);
      const ch = channel();
      await store!.add(ch, { client: 'c1', user: 'u1' }, TTL_MS);
      await store!.add(ch, { client: 'c2', user: 'u1' }, TTL_MS);
      await store!.add(ch, { client: 'c3', user: 'u2' }, TTL_MS);
      await store!.add(ch, { client: 'c4', user: '' }, TTL_MS);
      await store!.add(ch, { client: 'c5', user: '' }, TTL_MS);
      expect(await store!.stats(ch)).toEqual({ clients: 5, users: 3 });
    });

    it('keeps channels apart', async () => {
      const [store] = await start(1);
      const [a, b] = [channel(), channel()];
      await store!.add(a, { client: 'c1', user: 'u1' }, TTL_MS);
      expect(await store!.presence(b)).toEqual({});
    });

    it('shares entries between the stores of one backend', async () => {
      const stores = await start(2);
      const ch = channel();
      await stores[0]!.add(ch, { client: 'c1', user: 'u1' }, TTL_MS);
      await stores[1]!.add(ch, { client: 'c2', user: 'u2' }, TTL_MS);
      expect(Object.keys(await stores[1]!.presence(ch)).sort()).toEqual(['c1', 'c2']);
      await stores[1]!.remove(ch, 'c1');
      expect(Object.keys(await stores[0]!.presence(ch))).toEqual(['c2']);
      expect(await stores[0]!.stats(ch)).toEqual({ clients: 1, users: 1 });
    });

    it.runIf(options.fakeClock)('expires entries not refreshed within the TTL, and a refresh extends them (fake clock)', async () => {
      const [store] = await start(1);
      const ch = channel();
      await store!.add(ch, { client: 'c1', user: 'u1' }, 1_000);
      await store!.add(ch, { client: 'c2', user: 'u2' }, 1_000);
      clockMs += 600;
      await store!.add(ch, { client: 'c2', user: 'u2' }, 1_000);
      clockMs += 399;
      expect(Object.keys(await store!.presence(ch)).sort()).toEqual(['c1', 'c2']);
      clockMs += 1;
      expect(Object.keys(await store!.presence(ch))).toEqual(['c2']);
      expect(await store!.stats(ch)).toEqual({ clients: 1, users: 1 });
      clockMs += 600;
      expect(await store!.presence(ch)).toEqual({});
      expect(await store!.stats(ch)).toEqual({ clients: 0, users: 0 });
    });

    it.runIf(!options.fakeClock && options.realTtlMs !== undefined)(
      'expires entries not refreshed within the TTL (real clock)',
      async () => {
        const ttlMs = options.realTtlMs as number;
        const [store] = await start(1);
        const ch = channel();
        await store!.add(ch, { client: 'c1', user: 'u1' }, ttlMs);
        await store!.add(ch, { client: 'c2', user: 'u2' }, ttlMs * 1_000);
        const deadline = Date.now() + ttlMs * 50;
        while (Object.keys(await store!.presence(ch)).length > 1) {
          if (Date.now() > deadline) throw new Error('entry did not expire');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        expect(Object.keys(await store!.presence(ch))).toEqual(['c2']);
        expect(await store!.stats(ch)).toEqual({ clients: 1, users: 1 });
      },
    );

    it('rejects calls after close, and close is idempotent', async () => {
      const [store] = await start(1);
      await store!.close();
      await store!.close();
      await expect(store!.add(channel(), { client: 'c', user: 'u' }, TTL_MS)).rejects.toThrow();
    });
  });
}

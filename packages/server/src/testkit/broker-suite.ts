/**
 * @module testkit/broker-suite
 * The contract suite of the Broker role: every backend runs it.
 * This file imports vitest: use it only from test files.
 *
 * @example
 * runBrokerSuite('MemoryBroker', (count, { now }) => {
 *   const bus = new MemoryBus({ now });
 *   return Array.from({ length: count }, () => new MemoryBroker({ bus }));
 * }, { fakeClock: true });
 */
import { describe, expect, it } from 'vitest';
import type { BrokerEventHandler, Publication } from '../broker.js';

import { brokerStarter, type MakeBrokers } from './start-brokers.js';

export type { BrokerSuiteContext, MakeBrokers } from './start-brokers.js';

export interface BrokerSuiteOptions {
  /** Whether the brokers use `context.now`, so that expiry can be tested. @default false */
  fakeClock?: boolean;
  /** Resolves once publications sent so far reached every node (async backends). */
  settle?: () => Promise<void>;
}

/** Records what a broker delivers. */
class Recorder implements BrokerEventHandler {
  readonly received: Publication[] = [];
  handlePublication(pub: Publication): void {
    this.received.push(pub);
  }
  handleJoin(): void {}
  handleLeave(): void {}
  data(channel?: string): unknown[] {
    return this.received.filter((pub) => channel === undefined || pub.channel === channel).map((pub) => pub.data);
  }
}

export function runBrokerSuite(name: string, makeBrokers: MakeBrokers, options: BrokerSuiteOptions = {}): void {
  const settle = options.settle ?? (async () => {});

  describe(`Broker contract: ${name}`, () => {
    let clockMs = 1_000_000;

    const start = brokerStarter(
      makeBrokers,
      () => clockMs,
      () => new Recorder(),
    );

    it('delivers a publication to a subscribed node with its fields', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      await broker!.subscribe('a');
      const pub: Publication = {
        channel: 'a',
        data: { text: 'hi' },
        event: 'msg',
        info: { client: 'c1', user: 'u1' },
        excludeClient: 'c1',
      };
      await broker!.publish(pub, {});
      await settle();
      expect(recorder!.received).toEqual([expect.objectContaining(pub)]);
    });

    it('does not deliver channels the node is not subscribed to', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      await broker!.subscribe('a');
      await broker!.publish({ channel: 'b', data: 1 }, {});
      await settle();
      expect(recorder!.received).toEqual([]);
    });

    it('stops delivering after unsubscribe', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      await broker!.subscribe('a');
      await broker!.publish({ channel: 'a', data: 1 }, {});
      await settle();
      await broker!.unsubscribe('a');
      await broker!.publish({ channel: 'a', data: 2 }, {});
      await settle();
      expect(recorder!.data()).toEqual([1]);
    });

    it('treats subscribe and unsubscribe as idempotent', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      await broker!.subscribe('a');
      await broker!.subscribe('a');
      await broker!.publish({ channel: 'a', data: 1 }, {});
      await settle();
      expect(recorder!.data()).toEqual([1]);
      await broker!.unsubscribe('a');
      await broker!.unsubscribe('a');
    });

    it('preserves the order of sequential publishes to one channel', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      await broker!.subscribe('a');
      const sent = Array.from({ length: 500 }, (_, i) => i);
      for (const i of sent) await broker!.publish({ channel: 'a', data: i }, {});
      await settle();
      expect(recorder!.data()).toEqual(sent);
    });

    it('delivers to every subscribed node once, and to no other node', async () => {
      const { brokers, recorders } = await start(3);
      await brokers[0]!.subscribe('a');
      await brokers[1]!.subscribe('a');
      await brokers[2]!.publish({ channel: 'a', data: 'x' }, {});
      await settle();
      expect(recorders.map((r) => r.data())).toEqual([['x'], ['x'], []]);
    });

    it('delivers an idempotent publish once and returns the first result again', async () => {
      const { brokers, recorders } = await start(2);
      await brokers[0]!.subscribe('a');
      const first = await brokers[0]!.publish({ channel: 'a', data: 1 }, { idempotencyKey: 'k', idempotencyTtlMs: 60_000 });
      // The retry may land on another node of the cluster: keys are shared.
      const second = await brokers[1]!.publish({ channel: 'a', data: 1 }, { idempotencyKey: 'k', idempotencyTtlMs: 60_000 });
      await settle();
      expect(second).toEqual(first);
      expect(recorders[0]!.data()).toEqual([1]);
    });

    it('scopes idempotency keys to the channel', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      await broker!.subscribe('a');
      await broker!.subscribe('b');
      await broker!.publish({ channel: 'a', data: 1 }, { idempotencyKey: 'k', idempotencyTtlMs: 60_000 });
      await broker!.publish({ channel: 'b', data: 2 }, { idempotencyKey: 'k', idempotencyTtlMs: 60_000 });
      await settle();
      // Per channel: no order is promised across channels (a sharded backend delivers them
      // through different connections).
      expect([recorder!.data('a'), recorder!.data('b')]).toEqual([[1], [2]]);
    });

    it.runIf(options.fakeClock)('delivers again once the idempotency key expired', async () => {
      const {
        brokers: [broker],
        recorders: [recorder],
      } = await start(1);
      await broker!.subscribe('a');
      await broker!.publish({ channel: 'a', data: 1 }, { idempotencyKey: 'k', idempotencyTtlMs: 1_000 });
      clockMs += 999;
      await broker!.publish({ channel: 'a', data: 2 }, { idempotencyKey: 'k', idempotencyTtlMs: 1_000 });
      clockMs += 1;
      await broker!.publish({ channel: 'a', data: 3 }, { idempotencyKey: 'k', idempotencyTtlMs: 1_000 });
      await settle();
      expect(recorder!.data()).toEqual([1, 3]);
    });

    it('stops delivering after close, and close is idempotent', async () => {
      const { brokers, recorders } = await start(2);
      await brokers[0]!.subscribe('a');
      await brokers[0]!.close();
      await brokers[0]!.close();
      await brokers[1]!.publish({ channel: 'a', data: 1 }, {});
      await settle();
      expect(recorders[0]!.data()).toEqual([]);
    });
  });
}

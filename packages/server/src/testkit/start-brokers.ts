/**
 * @module testkit/start-brokers
 * The contract suites' setup: make brokers of one backend, start each with its own handler,
 * and close them after every test. Imports vitest: use it only from test files.
 */
import { afterEach } from 'vitest';
import type { Broker, BrokerEventHandler } from '../broker.js';

export interface BrokerSuiteContext {
  /** The suite's clock in ms; backends that accept a clock should use it. */
  now: () => number;
}

/** Makes `count` brokers sharing one backend (nodes of one cluster). */
export type MakeBrokers = (count: number, context: BrokerSuiteContext) => Broker[] | Promise<Broker[]>;

/**
 * Returns `start(count)`, which makes `count` brokers (on the clock `now`) and starts each with
 * a new handler from `handler()`. Every broker started is closed after each test.
 */
export function brokerStarter<H extends BrokerEventHandler>(
  makeBrokers: MakeBrokers,
  now: () => number,
  handler: () => H,
): (count: number) => Promise<{ brokers: Broker[]; recorders: H[] }> {
  let open: Broker[] = [];
  afterEach(async () => {
    await Promise.all(open.map((broker) => broker.close()));
    open = [];
  });
  return async (count) => {
    const brokers = await makeBrokers(count, { now });
    open.push(...brokers);
    const recorders = brokers.map(() => handler());
    await Promise.all(brokers.map((broker, i) => broker.start(recorders[i] as H)));
    return { brokers, recorders };
  };
}

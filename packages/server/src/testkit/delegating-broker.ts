/**
 * @module testkit/delegating-broker
 * A Broker that hands every call to another one, except those a test overrides: to delay, fail
 * or observe one method of a real engine.
 */
import type { Broker } from '../broker.js';

/** A broker that hands every call to `inner`, except those in `overrides`. */
export function delegatingBroker(inner: Broker, overrides: Partial<Broker>): Broker {
  return {
    start: (handler) => inner.start(handler),
    publish: (pub, options) => inner.publish(pub, options),
    subscribe: (channel) => inner.subscribe(channel),
    unsubscribe: (channel) => inner.unsubscribe(channel),
    history: (channel, query) => inner.history(channel, query),
    removeHistory: (channel) => inner.removeHistory(channel),
    publishJoin: (channel, info) => inner.publishJoin(channel, info),
    publishLeave: (channel, info) => inner.publishLeave(channel, info),
    close: () => inner.close(),
    ...overrides,
  };
}

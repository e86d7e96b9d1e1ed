/**
 * @module metrics/instrumented-engine
 * The engine as the node calls it, timed: a Broker and a PresenceStore that hand every call to
 * the real ones and count it (`relais_engine_requests_total`, `_errors_total`,
 * `relais_engine_request_duration_seconds`, by operation). The same for every engine: memory,
 * Redis or an embedder's own.
 */
import { performance } from 'node:perf_hooks';
import type { Broker } from '../broker.js';
import type { PresenceStore } from '../presence.js';

/** Where engine calls are counted (Metrics). */
export interface EngineMeter {
  engineCall(op: string, seconds: number, failed: boolean): void;
}

/** Runs `call` and counts it under `op`, resolving or rejecting as it does. */
function timed<T>(meter: EngineMeter, op: string, call: () => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  let promise: Promise<T>;
  try {
    promise = call();
  } catch (error) {
    meter.engineCall(op, (performance.now() - startedAt) / 1000, true);
    return Promise.reject(error);
  }
  return promise.then(
    (value) => {
      meter.engineCall(op, (performance.now() - startedAt) / 1000, false);
      return value;
    },
    (error: unknown) => {
      meter.engineCall(op, (performance.now() - startedAt) / 1000, true);
      throw error;
    },
  );
}

/** `broker`, with every call but `start` and `close` counted; its optional capabilities kept. */
export function instrumentBroker(broker: Broker, meter: EngineMeter): Broker {
  const instrumented: Broker = {
    start: (handler) => broker.start(handler),
    publish: (pub, options) => timed(meter, 'publish', () => broker.publish(pub, options)),
    subscribe: (channel) => timed(meter, 'subscribe', () => broker.subscribe(channel)),
    unsubscribe: (channel) => timed(meter, 'unsubscribe', () => broker.unsubscribe(channel)),
    history: (channel, query) => timed(meter, 'history', () => broker.history(channel, query)),
    removeHistory: (channel) => timed(meter, 'remove_history', () => broker.removeHistory(channel)),
    publishJoin: (channel, info) => timed(meter, 'publish_join', () => broker.publishJoin(channel, info)),
    publishLeave: (channel, info) => timed(meter, 'publish_leave', () => broker.publishLeave(channel, info)),
    close: () => broker.close(),
  };
  if (broker.controlLink) instrumented.controlLink = () => broker.controlLink!();
  if (broker.reachable) instrumented.reachable = () => broker.reachable!();
  return instrumented;
}

/** `store`, with every call but `close` counted (operations `presence_*`). */
export function instrumentPresenceStore(store: PresenceStore, meter: EngineMeter): PresenceStore {
  return {
    add: (channel, info, ttlMs) => timed(meter, 'presence_add', () => store.add(channel, info, ttlMs)),
    remove: (channel, client) => timed(meter, 'presence_remove', () => store.remove(channel, client)),
    presence: (channel) => timed(meter, 'presence_get', () => store.presence(channel)),
    stats: (channel) => timed(meter, 'presence_stats', () => store.stats(channel)),
    close: () => store.close(),
  };
}

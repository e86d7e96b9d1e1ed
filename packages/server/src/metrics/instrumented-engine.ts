/**
 * @module metrics/instrumented-engine
 * The engine as the node calls it, timed: a Broker and a PresenceStore that hand every call to
 * the real ones and count it (`relais_engine_requests_total`, `_errors_total`, and one call in
 * ENGINE_TIMING_SAMPLE in `relais_engine_request_duration_seconds`, by operation). The same for every engine: memory,
 * Redis or an embedder's own.
 */
import { performance } from 'node:perf_hooks';
import type { Broker } from '../broker.js';
import type { PresenceStore } from '../presence.js';
import type { CounterChild, HistogramChild } from './prometheus.js';

/** The counters of one engine operation (`op` label), resolved once. */
export interface EngineOpCounters {
  readonly requests: CounterChild;
  readonly errors: CounterChild;
  readonly seconds: HistogramChild;
}

/** Where engine calls are counted (Metrics). */
export interface EngineMeter {
  engineOp(op: string): EngineOpCounters;
}

/**
 * One call in this many, per operation, is timed for `relais_engine_request_duration_seconds`:
 * reading the clock twice costs more than the rest of the counting of a publish. Every call
 * is counted, and every failure.
 */
export const ENGINE_TIMING_SAMPLE = 16;

async function timedCall<A extends unknown[], R>(counters: EngineOpCounters, call: (...args: A) => Promise<R>, args: A): Promise<R> {
  const startedAt = performance.now();
  try {
    return await call(...args);
  } catch (error) {
    counters.errors.value++;
    throw error;
  } finally {
    counters.seconds.observe((performance.now() - startedAt) / 1000);
  }
}

/**
 * `call` (a call of one engine method, read at call time: tests may replace it), counted under
 * `op`: it resolves or rejects as the engine does. Made once per method: a call allocates no
 * closure, and only a sampled one reads the clock.
 */
function timed<A extends unknown[], R>(meter: EngineMeter, op: string, call: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const counters = meter.engineOp(op);
  // Observes a rejection without rethrowing: the caller gets the engine's own promise (no extra
  // hop). Every caller handles engine rejections; this handler only counts them.
  const failed = (): void => {
    counters.errors.value++;
  };
  let calls = 0;
  return (...args) => {
    counters.requests.value++;
    if (++calls % ENGINE_TIMING_SAMPLE === 0) return timedCall(counters, call, args);
    try {
      const promise = call(...args);
      promise.then(undefined, failed);
      return promise;
    } catch (error) {
      counters.errors.value++;
      return Promise.reject(error);
    }
  };
}

/** `broker`, with every call but `start` and `close` counted; its optional capabilities kept. */
export function instrumentBroker(broker: Broker, meter: EngineMeter): Broker {
  const instrumented: Broker = {
    start: (handler) => broker.start(handler),
    publish: timed(meter, 'publish', (...args) => broker.publish(...args)),
    subscribe: timed(meter, 'subscribe', (...args) => broker.subscribe(...args)),
    unsubscribe: timed(meter, 'unsubscribe', (...args) => broker.unsubscribe(...args)),
    history: timed(meter, 'history', (...args) => broker.history(...args)),
    removeHistory: timed(meter, 'remove_history', (...args) => broker.removeHistory(...args)),
    publishJoin: timed(meter, 'publish_join', (...args) => broker.publishJoin(...args)),
    publishLeave: timed(meter, 'publish_leave', (...args) => broker.publishLeave(...args)),
    close: () => broker.close(),
  };
  if (broker.controlLink) instrumented.controlLink = () => broker.controlLink!();
  if (broker.reachable) instrumented.reachable = () => broker.reachable!();
  return instrumented;
}

/** `store`, with every call but `close` counted (operations `presence_*`). */
export function instrumentPresenceStore(store: PresenceStore, meter: EngineMeter): PresenceStore {
  return {
    add: timed(meter, 'presence_add', (...args) => store.add(...args)),
    remove: timed(meter, 'presence_remove', (...args) => store.remove(...args)),
    presence: timed(meter, 'presence_get', (...args) => store.presence(...args)),
    stats: timed(meter, 'presence_stats', (...args) => store.stats(...args)),
    close: () => store.close(),
  };
}

/** The `engine` label of relais_node_info: `memory`, `redis`, or the broker class's name. */
export function engineName(broker: object | undefined): string {
  const name = broker?.constructor.name ?? 'MemoryBroker';
  if (name === 'Object' || name === '') return 'custom';
  return name.replace(/Broker$/, '').toLowerCase() || 'custom';
}

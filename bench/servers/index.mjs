/**
 * @module bench/servers
 * The server variants of the benchmark. Each runs in its own process (bench/server-main.mjs)
 * and is reached by the load generator through the client protocol of the same name
 * (bench/lib/protocols.mjs).
 *
 * A variant with `nodes: 2` gets two server processes (both on the server core); subscribers
 * are spread over them and the publisher talks to the first, so a cross-node engine is
 * measured end to end. A variant with `redis: true` needs the Redis of bench/lib/redis.mjs: it
 * is left out of the default list when that Redis does not answer, and Redis's own CPU time
 * is reported next to the nodes' (it is not part of "server CPU").
 */
/** The drain window of the relais-redis-drain variant, ms. */
export const DRAIN_WINDOW_MS = 3_000;

export const VARIANTS = {
  relais: {
    label: 'relais (memory)',
    protocol: 'relais',
    nodes: 1,
    start: async (options) => (await import('./relais.mjs')).start(options),
  },
  // The same node with `metrics: true` (GET /metrics, the event-loop monitor, the GC observer):
  // `--variants=relais,relais-metrics` measures what turning metrics on costs.
  'relais-metrics': {
    label: 'relais (memory, metrics on)',
    protocol: 'relais',
    nodes: 1,
    optIn: true,
    start: async (options) => (await import('./relais.mjs')).start({ ...options, metrics: true }),
  },
  // slowConsumer 'catch-up' on every channel: `--scenarios=overload --variants=relais,relais-catchup`.
  'relais-catchup': {
    label: "relais (memory, slowConsumer 'catch-up')",
    protocol: 'relais',
    nodes: 1,
    optIn: true,
    start: async (options) => (await import('./relais.mjs')).start({ ...options, catchUp: true }),
  },
  // Another build next to this one, interleaved in the same run: RELAIS_BUILD=<its
  // packages/server/dist/index.js> npm run bench -- --variants=relais,relais-build (before/after).
  'relais-build': {
    label: 'relais (memory, RELAIS_BUILD build)',
    protocol: 'relais',
    nodes: 1,
    optIn: true,
    start: async (options) => {
      if (!process.env.RELAIS_BUILD) throw new Error('relais-build needs RELAIS_BUILD=<a build of packages/server>/dist/index.js');
      return (await import('./relais.mjs')).start({ ...options, build: process.env.RELAIS_BUILD });
    },
  },
  'relais-redis': {
    label: 'relais (Redis, 2 nodes)',
    protocol: 'relais',
    nodes: 2,
    redis: true,
    start: async (options) => (await import('./relais-redis.mjs')).start(options),
  },
  // The same 2 nodes closing their clients over DRAIN_WINDOW_MS (the drainWindowMs option): the avalanche runs it.
  'relais-redis-drain': {
    label: `relais (Redis, 2 nodes, drainWindowMs ${DRAIN_WINDOW_MS})`,
    protocol: 'relais',
    nodes: 2,
    redis: true,
    optIn: true,
    drainWindowMs: DRAIN_WINDOW_MS,
    start: async (options) => (await import('./relais-redis.mjs')).start({ ...options, drainWindowMs: DRAIN_WINDOW_MS }),
  },
  socketio: {
    label: 'Socket.IO 4',
    protocol: 'socketio',
    nodes: 1,
    start: async (options) => (await import('./socketio.mjs')).start(options),
  },
  // connectionStateRecovery on: only the disruption scenarios (jitter, avalanche) run it by default.
  'socketio-csr': {
    label: 'Socket.IO 4 (connectionStateRecovery)',
    protocol: 'socketio',
    nodes: 1,
    optIn: true,
    start: async (options) => (await import('./socketio.mjs')).start({ ...options, recovery: true }),
  },
  'ws-naive': {
    label: 'ws (send per subscriber)',
    protocol: 'ws',
    nodes: 1,
    start: async (options) => (await import('./ws.mjs')).start({ ...options, mode: 'naive' }),
  },
  'ws-frame': {
    label: 'ws (one pre-built frame)',
    protocol: 'ws',
    nodes: 1,
    start: async (options) => (await import('./ws.mjs')).start({ ...options, mode: 'frame' }),
  },
};

/** Variants that the main run leaves out; bench/socketio-cost.mjs starts them. */
export const EXTRA_VARIANTS = {
  'relais-socketio': {
    label: "relais's Socket.IO front-end",
    protocol: 'socketio',
    nodes: 1,
    start: async (options) => (await import('./relais-socketio.mjs')).start(options),
  },
};

/**
 * @module bench/servers
 * The server variants of the benchmark. Each runs in its own process (bench/server-main.mjs)
 * and is reached by the load generator through the client protocol of the same name
 * (bench/lib/protocols.mjs).
 *
 * Extension point: a variant with `nodes: 2` gets two server processes (both on the server
 * core); subscribers are spread over them and the publisher talks to the first, so a
 * cross-node engine is measured end to end. A "relais Redis engine, 2 nodes" variant is one
 * entry here once the Redis engine exists, e.g.
 *   'relais-redis': { label: 'relais (Redis, 2 nodes)', protocol: 'relais', nodes: 2,
 *     start: async (o) => (await import('./relais.mjs')).start({ ...o, engine: redisEngine() }) }
 */
export const VARIANTS = {
  relais: {
    label: 'relais (memory)',
    protocol: 'relais',
    nodes: 1,
    start: async (options) => (await import('./relais.mjs')).start(options),
  },
  socketio: {
    label: 'Socket.IO 4',
    protocol: 'socketio',
    nodes: 1,
    start: async (options) => (await import('./socketio.mjs')).start(options),
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

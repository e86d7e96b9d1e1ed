/**
 * @module bench/servers/relais
 * The relais variant: a node with the memory engine, built from this repository, plus an `echo`
 * RPC for the round-trip scenario. Publishes come from clients (`publish` command), so every
 * delivery goes through routing, the broker, offsets and the publisher's ack.
 * RELAIS_SERVER=<a build's packages/server/dist/index.js> runs another build of @relais/server;
 * the `build` option does the same for one variant (relais-build, RELAIS_BUILD).
 */
import { pathToFileURL } from 'node:url';

/** The createRelais of the build at `path` (a dist/index.js), of RELAIS_SERVER, or of this repository. */
async function createRelaisOf(path = process.env.RELAIS_SERVER) {
  return (await import(path ? pathToFileURL(path).href : '@relais/server')).createRelais;
}

/** What the disruption scenarios (bench/disrupt.mjs) keep: enough for any offline window they make. */
const RECOVERY_HISTORY = { historySize: 10_000, historyTtlMs: 300_000 };

/**
 * `catchUp`: every channel keeps history and a subscriber whose queue overflows falls behind
 * and catches up (slowConsumer 'catch-up') instead of being closed with 3008. `history`: every
 * channel keeps history, so a subscriber recovers what it missed while offline. `metrics`: the
 * node's `metrics` option on. `drainWindowMs`: the node's option (close() spreads its 3001s).
 * `pingIntervalMs`: the heartbeat's (bench/connect-instructions.mjs sets it past its run, so that
 * no ping lands in a count). `build`: another build's dist/index.js (variant relais-build).
 * @param {{port?: number, engine?: unknown, catchUp?: boolean, history?: boolean, metrics?: boolean, drainWindowMs?: number, pingIntervalMs?: number, build?: string}} options
 */
export async function start({
  port = 0,
  engine,
  catchUp = false,
  history = false,
  metrics = false,
  drainWindowMs,
  pingIntervalMs,
  build,
} = {}) {
  const createRelais = await createRelaisOf(build);
  const relais = createRelais({
    ...(catchUp
      ? { namespaces: { '*': { historySize: 100_000, historyTtlMs: 600_000, historyMaxBytes: 512 * 2 ** 20, slowConsumer: 'catch-up' } } }
      : history
        ? { namespaces: { '*': RECOVERY_HISTORY } }
        : {}),
    // Above the capacity scenario's count: the machine, not this option, bounds it.
    maxConnections: 1_000_000,
    maxChannelsPerConnection: 16,
    // The per-connection command limit (1000/s by default) would refuse the round-trip
    // scenario's back-to-back RPCs with 111. It is raised, not removed: its cost stays measured.
    limits: { perConnection: { commands: { perSecond: 1_000_000, burst: 1_000_000 } } },
    ...(engine ? { engine } : {}),
    ...(metrics ? { metrics: true } : {}),
    ...(drainWindowMs ? { drainWindowMs } : {}),
    ...(pingIntervalMs ? { pingIntervalMs } : {}),
  });
  relais.rpc('echo', ({ data }) => data);
  const address = await relais.listen({ port, host: '127.0.0.1' });
  return { port: address.port, close: () => relais.close() };
}

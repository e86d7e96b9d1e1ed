/**
 * @module node-wiring
 * How a node is put together and taken apart: its services, cluster, tracing, transports (the
 * WebSocket endpoint, HTTP streams) on its routes, server API, Prometheus endpoint and proxy
 * hooks, built in order by `wireNode`, and closed in order by `closeWiredNode`.
 */
import { DISCONNECT_CODES } from '@relais/protocol';
import { ServerApi, type ApiWiring } from './api/install.js';
import type { Cluster } from './cluster/cluster.js';
import type { CommandSession, NodeServices } from './commands/context.js';
import { LocalDelivery } from './delivery.js';
import { closeSpread } from './drain.js';
import type { HttpRoute, RequestHandler } from './http.js';
import { HttpRoutes } from './http.js';
import { engineName } from './metrics/instrumented-engine.js';
import { metricsHandler } from './metrics/metrics-route.js';
import type { EventLoopLag } from './metrics/node-stats.js';
import { ProcessMetrics } from './metrics/process-metrics.js';
import { createNodeCluster } from './node-cluster.js';
import { NodeChannels } from './node-channels.js';
import { createNodeServices } from './node-services.js';
import type { ResolvedOptions } from './options.js';
import { silentLogger } from './logger.js';
import { installProxy } from './proxy/proxy-hooks.js';
import type { Session } from './session.js';
import { Tracer } from './trace/tracer.js';
import { MAX_TRACE_BATCH_FRAMES, TRACE_FLUSH_MS, TraceViewers } from './trace/trace-viewers.js';
import type { Transport } from './transport.js';
import { HttpStreams } from './transports/http-streams.js';
import { WsEndpoint } from './transports/ws.js';
import { SERVER_VERSION } from './version.js';

/** The path of the Prometheus endpoint, when the `metrics` option is on. */
export const METRICS_PATH = '/metrics';
/** How long a command sent over HTTP to another node's stream waits for that node, in ms. */
const FORWARD_TIMEOUT_MS = 5_000;

/** What a node's parts read of it and call back into. */
export interface NodeHost {
  /** The node, for the server API's in-process methods. */
  node: ApiWiring['node'];
  sessions: ReadonlySet<CommandSession>;
  startedAt: number;
  lag: EventLoopLag;
  isClosing: () => boolean;
  accept: (transport: Transport) => Session | undefined;
  sessionClosed: NodeServices['sessionClosed'];
}

/** The parts of a node, as `wireNode` builds them. */
export interface WiredNode {
  services: NodeServices;
  cluster: Cluster;
  tracer: Tracer;
  viewers: TraceViewers;
  /** Settles when the broker and then the cluster have started. */
  started: Promise<void>;
  routes: HttpRoutes;
  endpoint: WsEndpoint;
  api: ServerApi;
  channels: NodeChannels;
  process: ProcessMetrics | undefined;
  /** Removes the backend hooks of the `proxy` option and closes their connections. */
  uninstallProxy: (() => void) | undefined;
}

/** Builds and starts a node's parts (the engine starts in the background: see `started`). */
export function wireNode(options: ResolvedOptions, host: NodeHost): WiredNode {
  const { sessions, isClosing, accept } = host;
  // Sends through the cluster, which is built from the services below: used only once a trace runs.
  const tracer = new Tracer({
    nodeId: options.nodeId,
    send: (to, type, body) => cluster.send(to, type, body),
    sessions: () => sessions,
    flushMs: TRACE_FLUSH_MS,
    maxBatchFrames: MAX_TRACE_BATCH_FRAMES,
    logger: options.logger ?? silentLogger,
  });
  const services = createNodeServices(options, host.sessionClosed, tracer);
  const { logger, broker, hooks, metrics } = services;
  services.presence.start();
  const cluster = createNodeCluster({ options, services, sessions, startedAt: host.startedAt, tracer, lag: host.lag });
  const viewers = new TraceViewers({ nodeId: options.nodeId, cluster, logger });
  const started = broker.start(new LocalDelivery(services.hub, sessions, logger)).then(() => cluster.start());
  const uninstallProxy = options.proxy ? installProxy({ hooks, logger, metrics }, options.proxy) : undefined;
  const routes = new HttpRoutes();
  const endpoint = mountTransports(options, services, cluster, routes, { isClosing, accept });
  const api = new ServerApi({
    node: host.node,
    hub: services.hub,
    services,
    cluster,
    routes,
    rules: (channel) => services.channels.find(channel),
    options,
    logger,
    isClosing,
    registry: metrics.registry,
  });
  // With apiPort, the metrics are served there, beside the API, and not on the public port.
  const process = startNodeMetrics(
    options,
    services,
    () => nodeMetricsHandler(options, services),
    (route) => {
      if (!api.mount(route)) routes.add(route);
    },
  );
  const channels = new NodeChannels({ services, maxDataDepth: options.maxDataDepth, idempotencyTtlMs: options.idempotencyTtlMs, started });
  return { services, cluster, tracer, viewers, started, routes, endpoint, api, channels, process, uninstallProxy };
}

/**
 * Takes a node's parts apart: stops tracing, closes every connection with 3001 (spread over
 * drainWindowMs when set), waits for sockets up to closeTimeoutMs, then stops the proxy hooks,
 * presence and process metrics and closes the cluster link, broker and presence store (a failure
 * is logged and the rest still close). The node's HTTP servers are its own to close.
 */
export async function closeWiredNode(options: ResolvedOptions, parts: WiredNode, host: Pick<NodeHost, 'sessions' | 'lag'>): Promise<void> {
  const { services } = parts;
  parts.viewers.close();
  parts.tracer.close();
  host.lag.stop();
  const close = (session: CommandSession): void => session.close(DISCONNECT_CODES.SHUTDOWN, 'shutdown');
  if (options.drainWindowMs > 0) await closeSpread([...host.sessions], options.drainWindowMs, close);
  else for (const session of [...host.sessions]) close(session);
  await parts.endpoint.drain(options.closeTimeoutMs);
  parts.uninstallProxy?.();
  services.presence.stop();
  parts.process?.stop();
  for (const [name, part] of [
    ['cluster link', parts.cluster],
    ['broker', services.broker],
    ['presence store', services.presence.store],
  ] as const) {
    try {
      await part.close();
    } catch (error) {
      services.logger.error({ err: error }, `${name} close failed`);
    }
  }
}

/** The handler of `GET /metrics` (Prometheus text format, behind `metrics.token` when set). */
export function nodeMetricsHandler(options: ResolvedOptions, services: NodeServices): RequestHandler {
  const { metrics } = services;
  return metricsHandler({
    render: () => metrics.registry.render(),
    token: options.metrics ? options.metrics.token : undefined,
  });
}

/** What the node's transports call back into. */
export interface TransportHooks {
  isClosing: () => boolean;
  accept: (transport: Transport) => Session | undefined;
}

/**
 * Builds the WebSocket endpoint and, with `httpTransports`, the HTTP streams, and adds their
 * routes: upgrades on `options.path` and `/`. Returns the endpoint (for `attach` and drain).
 */
export function mountTransports(
  options: ResolvedOptions,
  services: NodeServices,
  cluster: Cluster,
  routes: HttpRoutes,
  { isClosing, accept }: TransportHooks,
): WsEndpoint {
  const { limiter, logger, metrics } = services;
  const admission = { allowedOrigins: options.allowedOrigins, admitConnection: (address?: string) => limiter.admitConnection(address) };
  // What both kinds of transport take alike.
  const shared = {
    maxMessageBytes: options.maxMessageBytes,
    trustedProxies: options.trustedProxies,
    admission,
    logger,
    metrics,
    isClosing,
    accept,
  };
  const endpoint = new WsEndpoint({ ...shared, compression: options.compression });
  if (options.httpTransports) {
    const streams = new HttpStreams({
      ...shared,
      nodeId: options.nodeId,
      cluster,
      forwardTimeoutMs: FORWARD_TIMEOUT_MS,
    });
    for (const route of streams.routes()) routes.add(route);
  }
  const websocket = endpoint.handleUpgrade.bind(endpoint);
  routes.add({ path: options.path, upgrade: websocket });
  if (options.path !== '/') routes.add({ path: '/', upgrade: websocket });
  return endpoint;
}

/**
 * With the `metrics` option: sets the node-info gauge, starts the process metrics, and mounts
 * `request` at METRICS_PATH through `mount`. Returns the process metrics to stop at shutdown.
 */
export function startNodeMetrics(
  options: ResolvedOptions,
  services: NodeServices,
  request: () => RequestHandler,
  mount: (route: HttpRoute) => void,
): ProcessMetrics | undefined {
  if (!options.metrics) return undefined;
  const { metrics } = services;
  metrics.nodeInfo(options.nodeId, SERVER_VERSION, engineName(options.engine?.broker));
  const process = new ProcessMetrics(metrics.registry);
  process.start();
  mount({ path: METRICS_PATH, request: request() });
  return process;
}

/**
 * @module node
 * A relais node: wires the broker, the hub, hooks and transports, and offers the server API.
 */
import type { Server } from 'node:http';
import { DISCONNECT_CODES, type ClientInfo, type PublishResult } from '@relais/protocol';
import type { ApiStatsSnapshot } from './api/api-stats.js';
import type { HistoryQuery, HistoryResult } from './broker.js';
import type { Cluster } from './cluster/cluster.js';
import type { CommandSession, NodeServices } from './commands/context.js';
import type { ConnectingHook, MessageHook, PublishHook, RefreshHook, RpcHandler, SubRefreshHook, SubscribeHook } from './events.js';
import { closeServer, createNodeServer, listenOn, pathOf, type HttpRoute, type Readiness, type RequestHandler } from './http.js';
import type { FrontendTraffic, MetricsSnapshot } from './metrics/metrics.js';
import type { Metric } from './metrics/prometheus.js';
import { EventLoopLag, gatherNodeStats, type NodeStats, type NodeStatsError } from './metrics/node-stats.js';
import { closeWiredNode, nodeMetricsHandler, wireNode, type WiredNode } from './node-wiring.js';
import { resolveOptions, type RelaisOptions, type ResolvedOptions } from './options.js';
import type { PresenceStats } from './presence.js';
import { Session } from './session.js';
import { InProcessConnection, type InProcessConnectOptions, type InProcessPeer } from './frontends/in-process-connection.js';
import type { Transport } from './transport.js';
import type { WsEndpoint } from './transports/ws.js';
import type { DisconnectTarget, ListenOptions, ServerPublishOptions } from './server-api.js';
import type { TraceTarget } from './trace/trace-frame.js';
import type { TraceHandle, TraceListener } from './trace/trace-viewers.js';
import { SERVER_VERSION } from './version.js';

export { SERVER_UNSUBSCRIBE_CODE, type DisconnectTarget, type ListenOptions, type ServerPublishOptions } from './server-api.js';
export { METRICS_PATH } from './node-wiring.js';

type NodeState = 'running' | 'closing' | 'closed';

/**
 * A relais node. Create it with `createRelais`.
 * @example
 * const relais = createRelais({ namespaces: { chat: {} } });
 * relais.onConnecting(({ token }) => ({ user: verify(token) }));
 * await relais.listen({ port: 8080 });
 */
export class Relais {
  readonly options: ResolvedOptions;
  /**
   * This node's place in its cluster: the nodes alive and control messages between them (see
   * Cluster). On the memory engine, the nodes sharing a MemoryBus; on Redis, every node of the prefix.
   */
  readonly cluster: Cluster;
  readonly #startedAt = Date.now();
  readonly #sessions = new Set<CommandSession>();
  readonly #lag = new EventLoopLag();
  readonly #parts: WiredNode;
  readonly #services: NodeServices;
  #server: Server | undefined;
  #state: NodeState = 'running';
  #engine: 'starting' | 'started' | 'failed' = 'starting';
  #closed: Promise<void> | undefined;

  constructor(options: RelaisOptions = {}) {
    this.options = resolveOptions(options);
    this.#parts = wireNode(this.options, {
      node: this,
      sessions: this.#sessions,
      startedAt: this.#startedAt,
      lag: this.#lag,
      isClosing: () => this.#state !== 'running',
      accept: (transport) => this.accept(transport),
      sessionClosed: (session, code) => this.#sessionClosed(session, code),
    });
    this.#services = this.#parts.services;
    this.cluster = this.#parts.cluster;
    this.#parts.started.then(
      () => {
        this.#engine = 'started';
      },
      (error: unknown) => {
        this.#engine = 'failed';
        this.#services.logger.error({ err: error }, 'engine failed to start');
      },
    );
  }

  /**
   * The traffic counters of a protocol front-end's transport, in its clients' wire format
   * (`relais_frontend_{messages_received,received_bytes,messages_sent,sent_bytes}_total`, labels
   * `frontend` and `transport`). Keep the result for the transport's life.
   */
  frontendTraffic(frontend: string, transport: string): FrontendTraffic {
    return this.#services.metrics.frontendTraffic(frontend, transport);
  }

  /**
   * The handler of `GET /metrics` (Prometheus text format, behind `metrics.token` when set): the
   * node mounts it at /metrics when the `metrics` option is on; mount it on another HttpRoutes
   * or server to serve it elsewhere.
   */
  metricsHandler(): RequestHandler {
    return nodeMetricsHandler(this.options, this.#services);
  }

  /**
   * Whether the node should get new connections (what `GET /ready` answers): not while it
   * shuts down, nor while its engine is starting, failed to start, or is unreachable.
   */
  readiness(): Readiness {
    if (this.#state !== 'running') return { ready: false, reason: 'draining' };
    if (this.#engine === 'starting') return { ready: false, reason: 'engine starting' };
    if (this.#engine === 'failed') return { ready: false, reason: 'engine failed' };
    if (this.#services.broker.reachable?.() === false) return { ready: false, reason: 'engine unreachable' };
    return { ready: true };
  }

  /**
   * Takes one connection from `address`'s per-IP budget (`limits.perIp.connections`), for
   * front-ends that open connections of their own (Socket.IO, Supabase); false when it is spent,
   * counted as a `rate` refusal. The node's WebSocket and HTTP transports do this themselves.
   */
  admitConnection(address: string | undefined): boolean {
    if (this.#services.limiter.admitConnection(address)) return true;
    this.#services.metrics.refused('rate');
    return false;
  }

  /** Open connections (connecting and connected). */
  get connections(): number {
    return this.#sessions.size;
  }

  /**
   * Adds a metric family (a `Counter` or `Gauge` of `@relais/server`, or any `Metric`) to the
   * node's registry, rendered at `/metrics` with the `metrics` option, for front-ends and
   * embedders (e.g. `relais_supabase_*` of @relais/supabase). Throws a TypeError when its name is
   * taken. Returns a disposer that removes it.
   * @example const hits = new Counter('app_hits_total', 'Hits.'); const remove = relais.addMetric(hits);
   */
  addMetric(metric: Metric): () => void {
    const { registry } = this.#services.metrics;
    registry.register(metric);
    return () => registry.remove(metric);
  }

  /**
   * Serves `route.path` (exact, or a prefix when it ends with `/`) in the node's HTTP server:
   * plain requests, upgrades, or both. For the node's features (server API, metrics, fallback
   * transports, front-ends) and for embedders; works before and after `listen`. Throws a
   * TypeError when the path is taken. Returns a disposer.
   * @example relais.route({ path: '/hello', request: (req, res) => (res.end('hi'), true) });
   */
  route(route: HttpRoute): () => void {
    return this.#parts.routes.add(route);
  }

  /**
   * Starts an HTTP server serving /health, /ready, the routes (/metrics with the `metrics`
   * option), `fallback`, and WebSocket upgrades on `path` and `/`; with option `apiPort`, a
   * second one serving the server API (its address is `api` in the result).
   */
  async listen({
    port,
    host = '127.0.0.1',
    fallback,
  }: ListenOptions): Promise<{ port: number; host: string; api?: { port: number; host: string } }> {
    if (this.#server) throw new Error('relais is already listening');
    if (this.#state !== 'running') throw new Error('relais is closed');
    await this.#parts.started;
    const server = createNodeServer({
      health: { connections: () => this.#sessions.size, isClosing: () => this.#state !== 'running', readiness: () => this.readiness() },
      version: SERVER_VERSION,
      fallback,
      onError: (error) => this.#services.logger.error({ err: error }, 'http fallback failed'),
      routes: this.#parts.routes,
      onRefusedUpgrade: (reason) => this.#services.metrics.refused(reason),
      maxPendingConnections: this.options.limits.maxPendingConnections,
      handshakeTimeoutMs: this.options.limits.handshakeTimeoutMs,
    });
    this.#server = server;
    const address = await listenOn(server, port, host);
    const api = await this.#parts.api.listen(host);
    return api ? { ...address, api } : address;
  }

  /**
   * Accepts WebSocket upgrades on `path` (default options.path) of an existing HTTP server.
   * Upgrades on other paths are left to other listeners. Returns a disposer.
   */
  attach(server: Server, { path = this.options.path }: { path?: string } = {}): () => void {
    const listener = (...[req, socket, head]: Parameters<WsEndpoint['handleUpgrade']>): void => {
      if (pathOf(req) === path) this.#parts.endpoint.handleUpgrade(req, socket, head);
    };
    server.on('upgrade', listener);
    return () => server.off('upgrade', listener);
  }

  /**
   * Takes a new connection from a transport adapter (or a test's FakeTransport). Returns
   * undefined when the node refused it: it is shutting down (3001) or full (3006).
   */
  accept(transport: Transport): Session | undefined {
    if (this.#state !== 'running') {
      transport.close(DISCONNECT_CODES.SHUTDOWN, 'shutdown');
      return undefined;
    }
    if (this.#sessions.size >= this.options.maxConnections) {
      this.#services.metrics.disconnect(DISCONNECT_CODES.CONNECTION_LIMIT);
      this.#services.metrics.refused('connection_limit');
      transport.close(DISCONNECT_CODES.CONNECTION_LIMIT, 'connection limit reached');
      return undefined;
    }
    const session = new Session(transport, this.#services);
    this.#sessions.add(session);
    return session;
  }

  /**
   * Opens a relais connection for a protocol front-end in this process (see
   * frontends/in-process-connection.ts): the node's verifier, hooks and limits apply, and its
   * pushes reach `peer.onPush` as values. Rejects with ConnectRefusedError.
   * @example
   * const connection = await relais.connectInProcess(socket, { transport: { name: 'my-wire', headers }, token });
   * await relais.subscribe(connection.client!, 'chat:lobby');
   */
  connectInProcess(peer: InProcessPeer, options: InProcessConnectOptions): Promise<InProcessConnection> {
    return InProcessConnection.open((transport) => this.accept(transport), peer, options);
  }

  /**
   * Publishes to a channel from the server (no hooks, no namespace permissions). On a
   * namespace with history the publication is kept and the result carries its offset/epoch.
   * Rejects with a TypeError data that not every subscriber could receive (see docs/protocol.md
   * §9): nested deeper than maxDataDepth, or not carried identically by JSON and MessagePack.
   */
  publish(channel: string, data: unknown, options: ServerPublishOptions = {}): Promise<PublishResult> {
    return this.#parts.channels.publish(channel, data, options);
  }

  /**
   * Reads a channel's kept publications and current position (namespaces with history).
   * @example const { publications, position } = await relais.history('chat:lobby', { limit: 50, reverse: true });
   */
  history(channel: string, query: HistoryQuery = {}): Promise<HistoryResult> {
    return this.#parts.channels.history(channel, query);
  }

  /** Drops the kept publications of a channel; its offset and epoch stay (namespaces with history). */
  removeHistory(channel: string): Promise<void> {
    return this.#parts.channels.removeHistory(channel);
  }

  /** Who is in a channel, across the cluster, keyed by client id (namespaces with presence). */
  presence(channel: string): Promise<Record<string, ClientInfo>> {
    return this.#parts.channels.presence(channel);
  }

  /** How many clients and distinct users are in a channel (namespaces with presence). */
  presenceStats(channel: string): Promise<PresenceStats> {
    return this.#parts.channels.presenceStats(channel);
  }

  /** Sends a `message` push to one connection of this node; false when it is not here. */
  sendToClient(client: string, data: unknown): boolean {
    return this.#parts.channels.sendToClient(client, data);
  }

  /** Sends a `message` push to every connection of a user on this node; returns how many. */
  sendToUser(user: string, data: unknown): number {
    return this.#parts.channels.sendToUser(user, data);
  }

  /** Closes matching connections with `code` (default 3503, terminal); returns how many. */
  disconnect(target: DisconnectTarget, code: number = DISCONNECT_CODES.FORCE_DISCONNECT, reason?: string): number {
    return this.#parts.channels.disconnect(target, code, reason);
  }

  /**
   * Subscribes a connection to a channel from the server and sends it a `subscribe` push.
   * Resolves false when the connection is not on this node or already holds the channel.
   */
  subscribe(client: string, channel: string, data?: unknown): Promise<boolean> {
    return this.#parts.channels.subscribe(client, channel, data);
  }

  /** Ends a connection's subscription from the server and sends it an `unsubscribe` push. */
  unsubscribe(client: string, channel: string): boolean {
    return this.#parts.channels.unsubscribe(client, channel);
  }

  /** Runs on every `connect`, in registration order. See ConnectEvent. */
  onConnecting(hook: ConnectingHook): () => void {
    return this.#services.hooks.connecting.add(hook);
  }

  /** Runs on every client `subscribe`. See SubscribeEvent. */
  onSubscribe(hook: SubscribeHook): () => void {
    return this.#services.hooks.subscribe.add(hook);
  }

  /** Runs on every client `publish`; may replace the data or reject it. See PublishEvent. */
  onPublish(hook: PublishHook): () => void {
    return this.#services.hooks.publish.add(hook);
  }

  /** Runs on every client `send`. See ClientMessageEvent. */
  onMessage(hook: MessageHook): () => void {
    return this.#services.hooks.message.add(hook);
  }

  /** Runs when a connection's deadline passes without a client `refresh`. See RefreshHook. */
  onRefresh(hook: RefreshHook): () => void {
    return this.#services.hooks.refresh.add(hook);
  }

  /** Runs when a subscription's deadline (an onSubscribe hook's `expiresAt`) passes. See SubRefreshHook. */
  onSubRefresh(hook: SubRefreshHook): () => void {
    return this.#services.hooks.subRefresh.add(hook);
  }

  /** Registers the handler of RPC `method` (one per method). */
  rpc(method: string, handler: RpcHandler): () => void {
    return this.#services.hooks.addRpc(method, handler);
  }

  /**
   * Runs server API method `method` (docs/api.md: `publish`, `channels`, `presence`, `history`,
   * `disconnect`, `unsubscribe`, `info`, …) in-process, with the checks and cluster-wide reach of
   * `POST /api/<method>` and without a key, whether or not `apiKeys` is set. For admin surfaces
   * built on the node (the admin dashboard). Rejects with an ApiError (`code`, `status`, `message`).
   * @example const { channels } = (await relais.callApi('channels', { pattern: 'chat:*' })) as { channels: Record<string, { subscribers: number }> };
   */
  callApi(method: string, params?: unknown): Promise<unknown> {
    return this.#parts.api.call(method, params);
  }

  /**
   * Every node's live numbers (connections, subscriptions, message counters, event-loop lag),
   * asked of each node through the cluster; nodes that do not answer within `timeoutMs` are in
   * `errors`.
   */
  clusterStats(timeoutMs = 2_000): Promise<{ nodes: NodeStats[]; errors: NodeStatsError[] }> {
    return gatherNodeStats(this.cluster, timeoutMs);
  }

  /**
   * Traces the frames of `target` on every node of the cluster: `{user}` every frame in and out
   * of that user's connections (commands, replies, pushes, connects, closes), `{channel}` the
   * commands naming the channel, their replies and its pushes. Batches of each node reach
   * `listener` every TRACE_FLUSH_MS, bounded (MAX_TRACE_BATCH_FRAMES each, the rest counted in
   * `dropped`). Runs until `stop()`; a node stops by itself when this one stops renewing it.
   * Throws a TypeError on a bad target.
   * @example const trace = relais.trace({ user: 'alice' }, ({ frames }) => console.log(frames)); // later: trace.stop()
   */
  trace(target: TraceTarget, listener: TraceListener): TraceHandle {
    return this.#parts.viewers.open(target, listener);
  }

  /** The node's counters; `api` (server API calls and errors) when the server API is on. */
  stats(): MetricsSnapshot & { api?: ApiStatsSnapshot } {
    const resources = {
      holds: this.#services.hub.holds,
      brokerChannels: this.#services.subscriptions.size,
      presenceEntries: this.#services.presence.size,
    };
    const api = this.#parts.api.stats();
    return { ...this.#services.metrics.snapshot(resources), connections: this.#sessions.size, ...(api && { api }) };
  }

  /**
   * Graceful shutdown: refuses new upgrades (503), closes every connection with 3001
   * (clients reconnect elsewhere; spread over drainWindowMs when set), waits for sockets up to
   * closeTimeoutMs, then closes the broker and the node's own HTTP server. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'closing';
    await closeWiredNode(this.options, this.#parts, { sessions: this.#sessions, lag: this.#lag });
    if (this.#server) await closeServer(this.#server);
    await this.#parts.api.close();
    this.#state = 'closed';
  }

  #sessionClosed(session: CommandSession, code: number): void {
    this.#sessions.delete(session);
    this.#services.rpc.once.closed(session.client);
    this.#services.metrics.disconnect(code);
    this.#services.logger.debug({ client: session.client, user: session.user, code }, 'connection closed');
  }
}

/**
 * Creates a relais node. Throws OptionsError on invalid options.
 * @example
 * const relais = createRelais({ pingIntervalMs: 20_000 });
 * const { port } = await relais.listen({ port: 0 });
 */
export function createRelais(options?: RelaisOptions): Relais {
  return new Relais(options);
}

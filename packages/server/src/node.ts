/**
 * @module node
 * A relais node: wires the broker, the hub, hooks and transports, and offers the server API.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { DISCONNECT_CODES, channelError, isDisconnectCode, type ClientInfo, type PublishResult } from '@relais/protocol';
import type { Broker, BrokerPublishOptions, HistoryQuery, HistoryResult, Publication } from './broker.js';
import { clientAddress } from './auth/client-address.js';
import { originAllowed } from './auth/origin.js';
import { TokenVerifier } from './auth/verifier.js';
import { BrokerSubscriptions } from './broker-subscriptions.js';
import { Channels } from './channels.js';
import type { NodeServices } from './commands/context.js';
import type { ConnectingHook, MessageHook, PublishHook, RpcHandler, SubscribeHook } from './events.js';
import { Hooks } from './hooks.js';
import { createHttpHandler, type HealthSource, type HttpFallback } from './http.js';
import { Hub } from './hub.js';
import { silentLogger, type Logger } from './logger.js';
import { activateChannel, releaseAll, releaseChannel, reserveChannel } from './membership.js';
import { MemoryBroker } from './memory/memory-broker.js';
import { MemoryPresenceStore } from './memory/memory-presence-store.js';
import type { PresenceStats } from './presence.js';
import { broadcastJoinLeave } from './presence/join-leave.js';
import { PresenceKeeper } from './presence/presence-keeper.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import { resolveOptions, type RelaisOptions, type ResolvedOptions } from './options.js';
import { RateLimiter } from './rate-limit/rate-limiter.js';
import { Session } from './session.js';
import type { Transport } from './transport.js';
import { WsEndpoint, refuseUpgrade, type UpgradeRefusal } from './transports/ws.js';
import { SERVER_VERSION } from './version.js';

export interface ListenOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Answers HTTP requests other than /health (e.g. static apps); without it they get 404. */
  fallback?: HttpFallback;
}

export interface ServerPublishOptions {
  event?: string;
  /** A client id that must not receive this publication. */
  excludeClient?: string;
  /** A retried publish with the same key within idempotencyTtlMs is delivered once. */
  idempotencyKey?: string;
  /** Deliver live only, even on a namespace with history: no offset, never recovered. */
  ephemeral?: boolean;
}

/** Which connections `disconnect` closes: one client, every connection of a user, or both (AND). */
export interface DisconnectTarget {
  client?: string;
  user?: string;
}

/** Code of the `unsubscribe` push sent when the server ends a subscription. */
export const SERVER_UNSUBSCRIBE_CODE = 2000;

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
  readonly #services: NodeServices;
  readonly #broker: Broker;
  readonly #presence: PresenceKeeper;
  readonly #hooks = new Hooks();
  readonly #hub = new Hub<Session>();
  readonly #metrics = new Metrics();
  readonly #logger: Logger;
  readonly #sessions = new Set<Session>();
  readonly #endpoint: WsEndpoint;
  readonly #started: Promise<void>;
  #server: Server | undefined;
  #state: NodeState = 'running';
  #closed: Promise<void> | undefined;

  constructor(options: RelaisOptions = {}) {
    this.options = resolveOptions(options);
    this.#logger = this.options.logger ?? silentLogger;
    this.#broker = this.options.engine?.broker ?? new MemoryBroker();
    this.#presence = new PresenceKeeper(this.options.engine?.presence ?? new MemoryPresenceStore(), this.options.presenceTtlMs, this.#logger);
    this.#presence.start();
    this.#services = {
      options: this.options,
      logger: this.#logger,
      metrics: this.#metrics,
      hub: this.#hub,
      hooks: this.#hooks,
      channels: new Channels(this.options.namespaces),
      broker: this.#broker,
      subscriptions: new BrokerSubscriptions(this.#broker),
      auth: this.options.auth && new TokenVerifier(this.options.auth),
      limiter: new RateLimiter(this.options.limits, this.#metrics),
      presence: this.#presence,
      sessionClosed: (session, code) => this.#sessionClosed(session, code),
    };
    this.#started = this.#broker.start({
      handlePublication: (pub) => {
        try {
          this.#hub.handlePublication(pub);
        } catch (error) {
          // A publication this node cannot encode must not break the broker's delivery loop.
          this.#logger.error({ err: error, channel: pub.channel }, 'fan-out failed');
        }
      },
      handleJoin: (channel, info) => this.#joinLeave('join', channel, info),
      handleLeave: (channel, info) => this.#joinLeave('leave', channel, info),
      handleInterruption: (channels) => this.#interrupted(channels),
    });
    this.#started.catch((error: unknown) => this.#logger.error({ err: error }, 'broker failed to start'));
    const { compression } = this.options;
    this.#endpoint = new WsEndpoint({
      maxMessageBytes: this.options.maxMessageBytes,
      perMessageDeflate: compression && { threshold: compression.thresholdBytes, level: compression.level },
      admit: (req, address) => this.#admitUpgrade(req, address),
      clientAddress: (req) => clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.options.trustedProxies),
      logger: this.#logger,
      metrics: this.#metrics,
      isClosing: () => this.#state !== 'running',
      accept: (transport) => this.accept(transport),
    });
  }

  /** Open connections (connecting and connected). */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Starts an HTTP server serving /health, `fallback`, and WebSocket upgrades on `path` and `/`. */
  async listen({ port, host = '127.0.0.1', fallback }: ListenOptions): Promise<{ port: number; host: string }> {
    if (this.#server) throw new Error('relais is already listening');
    if (this.#state !== 'running') throw new Error('relais is closed');
    await this.#started;
    const server = createServer(
      createHttpHandler(this.#healthSource(), SERVER_VERSION, fallback, (error) => this.#logger.error({ err: error }, 'http fallback failed')),
    );
    const paths = new Set([this.options.path, '/']);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (paths.has(pathOf(req))) this.#endpoint.handleUpgrade(req, socket, head);
      else {
        this.#metrics.refusedUpgrade('path');
        refuseUpgrade(socket, 404, 'Not Found', 'no WebSocket endpoint at this path');
      }
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    return { port: address.port, host: address.address };
  }

  /**
   * Accepts WebSocket upgrades on `path` (default options.path) of an existing HTTP server.
   * Upgrades on other paths are left to other listeners. Returns a disposer.
   */
  attach(server: Server, { path = this.options.path }: { path?: string } = {}): () => void {
    const listener = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (pathOf(req) === path) this.#endpoint.handleUpgrade(req, socket, head);
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
      this.#metrics.disconnect(DISCONNECT_CODES.CONNECTION_LIMIT);
      transport.close(DISCONNECT_CODES.CONNECTION_LIMIT, 'connection limit reached');
      return undefined;
    }
    const session = new Session(transport, this.#services);
    this.#sessions.add(session);
    this.#metrics.connections = this.#sessions.size;
    this.#metrics.connectionsTotal++;
    return session;
  }

  /**
   * Publishes to a channel from the server (no hooks, no namespace permissions). On a
   * namespace with history the publication is kept and the result carries its offset/epoch.
   */
  async publish(channel: string, data: unknown, options: ServerPublishOptions = {}): Promise<PublishResult> {
    checkChannel(channel);
    if (options.ephemeral && options.idempotencyKey !== undefined) throw new TypeError('an ephemeral publish cannot carry an idempotencyKey');
    await this.#started;
    const pub: Publication = { channel, data };
    if (options.event !== undefined) pub.event = options.event;
    if (options.excludeClient !== undefined) pub.excludeClient = options.excludeClient;
    const publish: BrokerPublishOptions = { idempotencyKey: options.idempotencyKey, idempotencyTtlMs: this.options.idempotencyTtlMs };
    const history = this.#services.channels.find(channel)?.history;
    if (history && !options.ephemeral) publish.history = history;
    return this.#broker.publish(pub, publish);
  }

  /**
   * Reads a channel's kept publications and current position (namespaces with history).
   * @example const { publications, position } = await relais.history('chat:lobby', { limit: 50, reverse: true });
   */
  async history(channel: string, query: HistoryQuery = {}): Promise<HistoryResult> {
    checkChannel(channel);
    if (!this.#services.channels.find(channel)?.history) throw new TypeError(`history is not enabled for ${channel}: set historySize and historyTtlMs on its namespace`);
    await this.#started;
    return this.#broker.history(channel, query);
  }

  /** Who is in a channel, across the cluster, keyed by client id (namespaces with presence). */
  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.#checkPresence(channel);
    return this.#presence.store.presence(channel);
  }

  /** How many clients and distinct users are in a channel (namespaces with presence). */
  async presenceStats(channel: string): Promise<PresenceStats> {
    this.#checkPresence(channel);
    return this.#presence.store.stats(channel);
  }

  /** Sends a `message` push to one connection of this node; false when it is not here. */
  sendToClient(client: string, data: unknown): boolean {
    const session = this.#hub.get(client);
    if (!session) return false;
    session.enqueue({ type: 'message', data });
    return true;
  }

  /** Sends a `message` push to every connection of a user on this node; returns how many. */
  sendToUser(user: string, data: unknown): number {
    return this.#hub.fanOut(this.#hub.ofUser(user), { type: 'message', data });
  }

  /** Closes matching connections with `code` (default 3503, terminal); returns how many. */
  disconnect(target: DisconnectTarget, code: number = DISCONNECT_CODES.FORCE_DISCONNECT, reason?: string): number {
    if (!isDisconnectCode(code)) throw new RangeError(`disconnect code must be an integer in 3000–4999, got ${code}`);
    let sessions: Session[];
    if (target.client !== undefined) {
      const session = this.#hub.get(target.client);
      sessions = session && (target.user === undefined || session.user === target.user) ? [session] : [];
    } else if (target.user !== undefined) {
      sessions = [...this.#hub.ofUser(target.user)];
    } else {
      throw new TypeError('disconnect needs a client or a user');
    }
    for (const session of sessions) session.close(code, reason);
    return sessions.length;
  }

  /**
   * Subscribes a connection to a channel from the server and sends it a `subscribe` push.
   * Resolves false when the connection is not on this node or already holds the channel.
   */
  async subscribe(client: string, channel: string, data?: unknown): Promise<boolean> {
    checkChannel(channel);
    this.#services.channels.resolve(channel);
    const session = this.#hub.get(client);
    if (!session || session.channels.has(channel)) return false;
    try {
      await reserveChannel(this.#services, session, channel);
    } catch (error) {
      // The connection went away while the broker subscribed.
      if (session.state === 'closed') return false;
      throw error;
    }
    session.enqueue(data === undefined ? { type: 'subscribe', channel } : { type: 'subscribe', channel, data });
    activateChannel(this.#services, session, channel);
    return true;
  }

  /** Ends a connection's subscription from the server and sends it an `unsubscribe` push. */
  unsubscribe(client: string, channel: string): boolean {
    const session = this.#hub.get(client);
    if (!session?.channels.has(channel)) return false;
    releaseChannel(this.#services, session, channel);
    session.enqueue({ type: 'unsubscribe', channel, code: SERVER_UNSUBSCRIBE_CODE, reason: 'server unsubscribe' });
    return true;
  }

  /** Runs on every `connect`, in registration order. See ConnectEvent. */
  onConnecting(hook: ConnectingHook): () => void {
    return this.#hooks.connecting.add(hook);
  }

  /** Runs on every client `subscribe`. See SubscribeEvent. */
  onSubscribe(hook: SubscribeHook): () => void {
    return this.#hooks.subscribe.add(hook);
  }

  /** Runs on every client `publish`; may replace the data or reject it. See PublishEvent. */
  onPublish(hook: PublishHook): () => void {
    return this.#hooks.publish.add(hook);
  }

  /** Runs on every client `send`. See ClientMessageEvent. */
  onMessage(hook: MessageHook): () => void {
    return this.#hooks.message.add(hook);
  }

  /** Registers the handler of RPC `method` (one per method). */
  rpc(method: string, handler: RpcHandler): () => void {
    return this.#hooks.addRpc(method, handler);
  }

  stats(): MetricsSnapshot {
    return { ...this.#metrics.snapshot(), connections: this.#sessions.size };
  }

  /**
   * Graceful shutdown: refuses new upgrades (503), closes every connection with 3001
   * (clients reconnect elsewhere), waits for sockets up to closeTimeoutMs, then closes the
   * broker and the node's own HTTP server. Idempotent.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'closing';
    for (const session of [...this.#sessions]) session.close(DISCONNECT_CODES.SHUTDOWN, 'shutdown');
    await this.#endpoint.drain(this.options.closeTimeoutMs);
    this.#presence.stop();
    for (const [name, part] of [['broker', this.#broker], ['presence store', this.#presence.store]] as const) {
      try {
        await part.close();
      } catch (error) {
        this.#logger.error({ err: error }, `${name} close failed`);
      }
    }
    const server = this.#server;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.#state = 'closed';
  }

  /** Origin allow-list, then the per-IP connection rate. */
  #admitUpgrade(req: IncomingMessage, address: string | undefined): UpgradeRefusal | undefined {
    const { allowedOrigins } = this.options;
    const origin = req.headers.origin;
    if (allowedOrigins && !originAllowed(origin, allowedOrigins)) {
      return { status: 403, statusText: 'Forbidden', body: `origin ${JSON.stringify(origin)} is not allowed to connect`, reason: 'origin' };
    }
    if (!this.#services.limiter.admitConnection(address)) {
      return { status: 429, statusText: 'Too Many Requests', body: 'too many connection attempts from this address', reason: 'rate' };
    }
    return undefined;
  }

  #healthSource(): HealthSource {
    const sessions = this.#sessions;
    const isClosing = (): boolean => this.#state !== 'running';
    return {
      get connections() {
        return sessions.size;
      },
      isClosing,
    };
  }

  // The broker may have missed publications on these channels: their subscribers cannot
  // know what they lost, so they reconnect (3010) and recover from history where there is one.
  // Sessions still subscribing (broker subscribed, position not read yet) are closed too.
  #interrupted(channels: readonly string[]): void {
    const affected = new Set(channels);
    const sessions = [...this.#sessions].filter((session) => [...session.channels].some((channel) => affected.has(channel)));
    this.#logger.warn({ channels: channels.length, connections: sessions.length }, 'engine link interrupted: closing affected connections with 3010');
    for (const session of sessions) session.close(DISCONNECT_CODES.INSUFFICIENT_STATE);
  }

  #checkPresence(channel: string): void {
    checkChannel(channel);
    if (!this.#services.channels.find(channel)?.presence) throw new TypeError(`presence is not enabled for ${channel}: set presence: true on its namespace`);
  }

  #joinLeave(type: 'join' | 'leave', channel: string, info: ClientInfo): void {
    try {
      broadcastJoinLeave(this.#hub, type, channel, info);
    } catch (error) {
      this.#logger.error({ err: error, channel }, `${type} fan-out failed`);
    }
  }

  #sessionClosed(session: Session, code: number): void {
    this.#sessions.delete(session);
    this.#hub.remove(session);
    releaseAll(this.#services, session);
    this.#metrics.connections = this.#sessions.size;
    this.#metrics.disconnect(code);
    this.#logger.debug({ client: session.client, user: session.user, code }, 'connection closed');
  }
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

function checkChannel(channel: string): void {
  const problem = channelError(channel);
  if (problem) throw new TypeError(`invalid channel: ${problem}`);
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

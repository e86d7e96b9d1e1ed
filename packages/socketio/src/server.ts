/**
 * @module server
 * `Server`: socket.io's server API on a relais node. It serves Engine.IO on its path of the
 * node's HTTP server, holds the namespaces (static, and dynamic ones created on demand by a
 * RegExp or a function), and forwards `io.emit`, `io.to`… to the main namespace.
 */
import { Server as HttpServer } from 'node:http';
import { createRelais, silentLogger, type Logger, type Relais } from '@relais/server';
import type { BroadcastOperator } from './broadcast.js';
import { ClusterBroadcast } from './cluster-broadcast.js';
import { ClusterOps, collectAcks, type LocalSockets } from './cluster-ops.js';
import { Connection, type ConnectionHost } from './connection.js';
import type { EngineServer } from './engine/engine-server.js';
import { addressOf, mountEngine } from './endpoint.js';
import { handshakeOf } from './handshake.js';
import { Namespace, type Middleware, type NamespaceHost } from './namespace.js';
import { RecoveryHandover } from './remote-recovery.js';
import type { RemoteSocket, SocketIoMetrics } from './roles.js';
import type { RecoveryOptions } from './recovery.js';
import { RoomChannels } from './room-channels.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerOptions } from './options.js';
import type { Socket } from './socket.js';

/** Decides whether a dynamic namespace `name` exists: `next(null, true)` creates it. */
export type NamespaceMatcher = (name: string, auth: Record<string, unknown>, next: (error: Error | null, allowed: boolean) => void) => void;

/**
 * socket.io's `Server`, served by a relais node: on the node's own HTTP server
 * (`new Server(relais)`), or on an app's `http.Server` as socket.io is (`new Server(httpServer,
 * { relais })`, with a node of its own when `relais` is not given).
 * @example
 * const relais = createRelais();
 * const io = new Server(relais, { pingInterval: 10_000 });
 * io.on('connection', (socket) => socket.on('hello', (name, ack) => ack(`hi ${name}`)));
 * await relais.listen({ port: 3000 });
 */
// The type parameters are socket.io's (event maps, socket data); accepted so that typed apps compile, not checked.
export class Server<_ListenEvents = unknown, _EmitEvents = unknown, _ServerSideEvents = unknown, _SocketData = unknown>
  implements ConnectionHost, NamespaceHost
{
  readonly relais: Relais;
  readonly options: ResolvedServerOptions;
  readonly engine: EngineServer;
  readonly logger: Logger;
  readonly metrics: SocketIoMetrics = { badPackets: 0, unknownAcks: 0, refusedRequests: 0, limitedEvents: 0 };
  readonly roomChannels: RoomChannels | undefined;
  readonly recovery: RecoveryOptions | undefined;
  readonly clusterBroadcast: ClusterBroadcast;
  readonly clusterOps: ClusterOps;
  readonly handover: RecoveryHandover;
  readonly #namespaces = new Map<string, Namespace>();
  readonly #parents: Array<{
    match: (name: string, auth: Record<string, unknown>, next: (error: Error | null, allowed: boolean) => void) => void;
    nsp: Namespace;
  }> = [];
  readonly #connections = new Set<Connection>();
  readonly #unmount: () => void;
  /** The node this server created for itself (closed with it). */
  readonly #ownRelais: Relais | undefined;

  constructor(target: Relais | HttpServer, options: ServerOptions = {}) {
    const httpServer = target instanceof HttpServer ? target : undefined;
    if (!httpServer && options.relais) throw new TypeError('the relais option is for new Server(httpServer, { relais })');
    this.#ownRelais = httpServer && !options.relais ? createRelais() : undefined;
    const relais = httpServer ? (options.relais ?? this.#ownRelais!) : (target as Relais);
    this.relais = relais;
    this.options = resolveServerOptions(options);
    this.logger = relais.options.logger ?? silentLogger;
    const { engine, unmount } = mountEngine(relais, this.options, httpServer);
    this.engine = engine;
    this.#unmount = unmount;
    this.roomChannels = this.options.roomChannel && new RoomChannels(relais, this.options.roomChannel);
    this.recovery = this.options.recovery;
    this.clusterBroadcast = new ClusterBroadcast(relais, this.options.path, (nsp, encoded, rooms, except, key) =>
      this.#namespaces.get(nsp)?.deliverLocal(encoded, rooms, except, key),
    );
    this.clusterOps = new ClusterOps(
      relais,
      this.options.path,
      this.#localSockets(),
      (error, where) => this.reportError(error, where),
      this.options.requestsTimeoutMs,
    );
    this.handover = new RecoveryHandover(relais, this.options.path, (name) => this.#namespaces.get(name), this.options.requestsTimeoutMs);
    engine.on('refused', () => this.metrics.refusedRequests++);
    engine.on('connection', (socket, req) => {
      const connection = new Connection(this, socket, handshakeOf(req, addressOf(relais, req)), this.options);
      this.#connections.add(connection);
    });
    this.of('/');
  }

  /** The main namespace `/`. */
  get sockets(): Namespace {
    return this.of('/');
  }

  /** A namespace by name (created if new), or a parent of dynamic namespaces (RegExp or function). */
  of(name: string | RegExp | NamespaceMatcher): Namespace {
    if (typeof name === 'string') {
      const normalized = name.startsWith('/') ? name : `/${name}`;
      let nsp = this.#namespaces.get(normalized);
      if (!nsp) this.#namespaces.set(normalized, (nsp = new Namespace(normalized, this)));
      return nsp;
    }
    const nsp = new Namespace(String(name), this);
    const match: NamespaceMatcher = typeof name === 'function' ? name : (candidate, _auth, next) => next(null, name.test(candidate));
    this.#parents.push({ match, nsp });
    return nsp;
  }

  /** `connection` on the main namespace, or a server-side event from another node (see Namespace#on). */
  on(event: 'connection' | 'connect', listener: (socket: Socket) => void): this;
  on(event: string, listener: (...args: never[]) => unknown): this;
  on(event: string, listener: (...args: never[]) => unknown): this {
    this.sockets.on(event, listener);
    return this;
  }

  once(event: 'connection' | 'connect', listener: (socket: Socket) => void): this;
  once(event: string, listener: (...args: never[]) => unknown): this;
  once(event: string, listener: (...args: never[]) => unknown): this {
    this.sockets.once(event, listener);
    return this;
  }

  off(event: string, listener?: (...args: never[]) => unknown): this {
    this.sockets.off(event, listener);
    return this;
  }

  use(middleware: Middleware): this {
    this.sockets.use(middleware);
    return this;
  }

  to(room: string | readonly string[]): BroadcastOperator {
    return this.sockets.to(room);
  }

  in(room: string | readonly string[]): BroadcastOperator {
    return this.sockets.in(room);
  }

  except(room: string | readonly string[]): BroadcastOperator {
    return this.sockets.except(room);
  }

  timeout(ms: number): BroadcastOperator {
    return this.sockets.timeout(ms);
  }

  get local(): BroadcastOperator {
    return this.sockets.local;
  }

  get volatile(): BroadcastOperator {
    return this.sockets.volatile;
  }

  emit(event: string, ...args: unknown[]): boolean {
    return this.sockets.emit(event, ...args);
  }

  emitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return this.sockets.emitWithAck(event, ...args);
  }

  send(...args: unknown[]): this {
    this.sockets.send(...args);
    return this;
  }

  fetchSockets(): Promise<RemoteSocket[]> {
    return this.sockets.fetchSockets();
  }

  socketsJoin(room: string | readonly string[]): Promise<void> {
    return this.sockets.socketsJoin(room);
  }

  socketsLeave(room: string | readonly string[]): Promise<void> {
    return this.sockets.socketsLeave(room);
  }

  disconnectSockets(close = false): Promise<void> {
    return this.sockets.disconnectSockets(close);
  }

  /** Calls the listeners of `event` of the main namespace on every other node (see Namespace#serverSideEmit). */
  serverSideEmit(event: string, ...args: unknown[]): boolean {
    return this.sockets.serverSideEmit(event, ...args);
  }

  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return this.sockets.serverSideEmitWithAck(event, ...args);
  }

  /** Stops serving: every connection closes (`server shutting down`) and the path is released. */
  async close(): Promise<void> {
    this.#unmount();
    this.engine.close();
    for (const nsp of this.#namespaces.values()) nsp.forgetSuspended();
    this.clusterBroadcast.close();
    this.clusterOps.close();
    this.handover.close();
    await this.#ownRelais?.close();
  }

  /** The namespace a CONNECT for `name` joins: a known one, or a dynamic child; undefined when none. */
  namespaceFor(name: string, auth: Record<string, unknown>, done: (nsp: Namespace | undefined) => void): void {
    const known = this.#namespaces.get(name);
    if (known) {
      done(known);
      return;
    }
    const tryParent = (index: number): void => {
      const parent = this.#parents[index];
      if (!parent) {
        done(undefined);
        return;
      }
      let answered = false;
      const next = (error: Error | null, allowed: boolean): void => {
        if (answered) return;
        answered = true;
        if (error || !allowed) {
          tryParent(index + 1);
          return;
        }
        let nsp = this.#namespaces.get(name);
        if (!nsp) this.#namespaces.set(name, (nsp = new Namespace(name, this, parent.nsp)));
        done(nsp);
      };
      try {
        parent.match(name, auth, next);
      } catch (error) {
        this.reportError(error, 'namespace matcher');
        next(error instanceof Error ? error : new Error(String(error)), false);
      }
    };
    tryParent(0);
  }

  /** This node's sockets, as the cluster operations reach them. */
  #localSockets(): LocalSockets {
    const sockets = (selection: { nsp: string; rooms: string[]; except: string[] }): Socket[] =>
      this.#namespaces.get(selection.nsp)?.connectedSockets(new Set(selection.rooms), new Set(selection.except)) ?? [];
    return {
      sockets,
      emitWithAcks: (selection, event, args, timeoutMs) => collectAcks(sockets(selection), event, args, timeoutMs),
      serverSideEvent: (nsp, args, ack) => this.#namespaces.get(nsp)?.serverSideEvent(args, ack),
    };
  }

  /** A connection ended. */
  connectionClosed(connection: Connection): void {
    this.#connections.delete(connection);
  }

  /** Logs an error thrown by app code (a listener, a middleware, an ack callback). */
  reportError(error: unknown, where: string): void {
    this.logger.error({ err: error }, `socket.io: ${where} threw`);
  }
}

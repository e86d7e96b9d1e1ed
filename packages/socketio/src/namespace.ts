/**
 * @module namespace
 * A Socket.IO namespace: its sockets on this node, its rooms, its connection middlewares
 * (`use`) and `connection` listeners, and broadcasts to a selection of its sockets.
 */
import { randomBytes } from 'node:crypto';
import { BroadcastOperator } from './broadcast.js';
import type { Handshake } from './handshake.js';
import { Listeners, type Listener } from './listeners.js';
import { serverSideEmit, serverSideEmitWithAck } from './cluster-ops.js';
import { ConnectRefusedError } from '@relais/server';
import type { ConnectionLink, FrontEnd, MiddlewareError, RemoteSocket, Selection, SocketNamespace, SocketOp } from './roles.js';
import type { HandoverNamespace, RecoveryHandover } from './remote-recovery.js';
import { RemoteSocketProxy } from './remote-socket.js';
import { Rooms, type NamespaceAdapter } from './rooms.js';
import { Socket } from './socket.js';
import { runMiddlewares } from './middlewares.js';
import { openRelaisConnection } from './socket-connection.js';
import { broadcastEvent, deliverLocal } from './namespace-broadcast.js';

/** A connection middleware (`io.use`): `next()` admits the socket, `next(error)` refuses it. */
export type Middleware = (socket: Socket, next: (error?: MiddlewareError) => void) => unknown;

export type { NamespaceAdapter } from './rooms.js';

/** What a namespace needs of its server: the front-end, and recovery across nodes. */
export interface NamespaceHost extends FrontEnd {
  readonly handover: RecoveryHandover;
}

export class Namespace implements SocketNamespace, HandoverNamespace {
  readonly name: string;
  readonly server: NamespaceHost;
  /** This namespace's connected sockets on this node, by id. */
  readonly sockets = new Map<string, Socket>();
  readonly #rooms = new Rooms<RemoteSocket>();
  readonly #listeners: Listeners;
  readonly #middlewares: Middleware[];
  readonly #children = new Set<Namespace>();
  /** Sockets cut off and kept for their client to come back, by pid (connection state recovery). */
  readonly #suspended = new Map<string, Socket>();

  /** A dynamic namespace's child shares its parent's middlewares and listeners. */
  constructor(name: string, server: NamespaceHost, parent?: Namespace) {
    this.name = name;
    this.server = server;
    this.#listeners = parent ? parent.#listeners : new Listeners((error, event) => server.reportError(error, `listener of ${event}`));
    this.#middlewares = parent ? parent.#middlewares : [];
    if (parent) parent.#children.add(this);
  }

  /**
   * Listens to `connection` (alias `connect`): a socket joined this namespace; any other name is
   * a server-side event another node sent with `serverSideEmit` (its last argument an ack callback
   * when the sender wants an answer).
   */
  on(event: 'connection' | 'connect', listener: (socket: Socket) => void): this;
  on(event: string, listener: (...args: never[]) => unknown): this;
  on(event: string, listener: Listener): this {
    this.#listeners.on(event === 'connect' ? 'connection' : event, listener);
    return this;
  }

  once(event: 'connection' | 'connect', listener: (socket: Socket) => void): this;
  once(event: string, listener: (...args: never[]) => unknown): this;
  once(event: string, listener: Listener): this {
    this.#listeners.once(event === 'connect' ? 'connection' : event, listener);
    return this;
  }

  off(event: string, listener?: (...args: never[]) => unknown): this {
    this.#listeners.off(event === 'connect' ? 'connection' : event, listener as Listener | undefined);
    return this;
  }

  /** Adds a connection middleware; they run in order for each socket before `connection`. */
  use(middleware: Middleware): this {
    this.#middlewares.push(middleware);
    return this;
  }

  to(room: string | readonly string[]): BroadcastOperator {
    return this.#operator().to(room);
  }

  in(room: string | readonly string[]): BroadcastOperator {
    return this.to(room);
  }

  except(room: string | readonly string[]): BroadcastOperator {
    return this.#operator().except(room);
  }

  timeout(ms: number): BroadcastOperator {
    return this.#operator().timeout(ms);
  }

  get volatile(): BroadcastOperator {
    return this.#operator();
  }

  get local(): BroadcastOperator {
    return this.#operator();
  }

  compress(_compress: boolean): BroadcastOperator {
    return this.#operator();
  }

  /** Sends an event to every socket of the namespace. */
  emit(event: string, ...args: unknown[]): boolean {
    if (this.#children.size > 0) {
      for (const child of this.#children) child.emit(event, ...args);
      return true;
    }
    return this.#operator().emit(event, ...args);
  }

  emitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return this.#operator().emitWithAck(event, ...args);
  }

  send(...args: unknown[]): this {
    this.emit('message', ...args);
    return this;
  }

  write(...args: unknown[]): this {
    return this.send(...args);
  }

  fetchSockets(): Promise<RemoteSocket[]>;
  /** The selected connected sockets of every node (BroadcastTarget; `io.in(room).fetchSockets()` calls it). */
  fetchSockets(rooms: ReadonlySet<string>, except: ReadonlySet<string>): Promise<RemoteSocket[]>;
  async fetchSockets(rooms?: ReadonlySet<string>, except?: ReadonlySet<string>): Promise<RemoteSocket[]> {
    if (!rooms || !except) return this.#operator().fetchSockets();
    const { local, remote } = await this.server.clusterOps.fetchSockets(this.#selection(rooms, except));
    return [...local, ...remote.map((details) => new RemoteSocketProxy(this, details))];
  }

  socketsJoin(room: string | readonly string[]): Promise<void> {
    return this.#operator().socketsJoin(room);
  }

  socketsLeave(room: string | readonly string[]): Promise<void> {
    return this.#operator().socketsLeave(room);
  }

  disconnectSockets(close = false): Promise<void> {
    return this.#operator().disconnectSockets(close);
  }

  applyToSockets(rooms: ReadonlySet<string>, except: ReadonlySet<string>, op: SocketOp): Promise<void> {
    return this.server.clusterOps.apply(this.#selection(rooms, except), op);
  }

  broadcastWithAck(
    event: string,
    args: unknown[],
    rooms: ReadonlySet<string>,
    except: ReadonlySet<string>,
    timeoutMs: number | undefined,
    callback: (error: Error | null, responses: unknown[]) => void,
  ): void {
    this.server.clusterOps.emitWithAcks(this.#selection(rooms, except), event, args, timeoutMs, callback);
  }

  /** This node's connected sockets in any of `rooms` (all when empty), minus those in `except`. */
  connectedSockets(rooms: ReadonlySet<string>, except: ReadonlySet<string>): Socket[] {
    return [...this.#rooms.select(rooms, except, this.sockets.values())].filter(
      (socket): socket is Socket => socket instanceof Socket && socket.connected,
    );
  }

  /**
   * Calls the listeners of `event` on this namespace of every other node (socket.io's
   * `serverSideEmit`). With a function as last argument: `(error, responses)`, one response per
   * other node, or the error when one did not answer within `requestsTimeout` (5 s by default).
   */
  serverSideEmit(event: string, ...args: unknown[]): boolean {
    return serverSideEmit(this.server, this.name, event, args);
  }

  /** Resolves with one answer per other node to a server-side event; rejects when one did not answer within `requestsTimeout`. */
  serverSideEmitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return serverSideEmitWithAck(this.server, this.name, event, args);
  }

  /** A server-side event from another node: its listeners run, the ack (when asked) answers the first call. */
  serverSideEvent(args: unknown[], ack: ((response: unknown) => void) | undefined): void {
    const [event, ...rest] = args;
    if (typeof event !== 'string' || event === 'connection') return;
    let answered = false;
    const reply = (response: unknown): void => {
      if (answered) return;
      answered = true;
      ack?.(response);
    };
    this.#listeners.emit(event, ack ? [...rest, reply] : rest);
  }

  #selection(rooms: ReadonlySet<string>, except: ReadonlySet<string>): Selection {
    return { nsp: this.name, rooms: [...rooms], except: [...except] };
  }

  get adapter(): NamespaceAdapter {
    return this.#rooms.adapter(this.sockets.values());
  }

  /**
   * A client asks to join: runs the middlewares, then connects the socket and calls
   * `connection` listeners, or answers CONNECT_ERROR with the middleware's error.
   */
  add(connection: ConnectionLink, handshake: Handshake, done: (socket: Socket | undefined) => void): void {
    const recovery = this.server.recovery;
    const socket = new Socket(
      randomBytes(15).toString('base64url'),
      this,
      connection,
      handshake,
      recovery && { pid: randomBytes(15).toString('base64url'), maxEvents: recovery.maxEvents },
    );
    runMiddlewares(this.#middlewares, socket, (error) => {
      if (error || connection.engine.state !== 'open') {
        if (error && connection.engine.state === 'open') connection.connectError(this.name, error);
        done(undefined);
        return;
      }
      openRelaisConnection(this.server.relais, socket, connection, this.name).then(
        () => {
          if (connection.engine.state !== 'open') {
            socket.link?.end();
            done(undefined);
            return;
          }
          this.sockets.set(socket.id, socket);
          done(socket);
          socket.onConnect();
          this.#listeners.emit('connection', [socket]);
        },
        (refusal: Error) => {
          if (connection.engine.state === 'open') {
            const data = refusal instanceof ConnectRefusedError ? { code: refusal.code } : undefined;
            connection.connectError(this.name, Object.assign(new Error(refusal.message), { data }));
          }
          done(undefined);
        },
      );
    });
  }

  /** A socket left (see Socket#onClose). */
  remove(socket: RemoteSocket): void {
    for (const room of this.#rooms.roomsOf(socket)) this.leaveRoom(socket, room);
    if (this.sockets.get(socket.id) === socket) this.sockets.delete(socket.id);
    const pid = socket instanceof Socket ? socket.pid : undefined;
    if (pid !== undefined && this.#suspended.get(pid) === socket) this.#suspended.delete(pid);
  }

  /** The server closes: sockets kept for recovery leave for good. */
  forgetSuspended(): void {
    for (const socket of [...this.#suspended.values()]) socket.forget();
  }

  /** A socket is cut off but kept, rooms included, for its client to come back. */
  suspend(socket: RemoteSocket): void {
    if (!(socket instanceof Socket) || socket.pid === undefined) return;
    this.sockets.delete(socket.id);
    this.#suspended.set(socket.pid, socket);
  }

  /**
   * A client coming back with `pid` and the offset of the last event it got: resumes its socket
   * (after the middlewares unless skipMiddlewares), here or from the node that held it (see
   * remote-recovery), or answers undefined for a new session.
   */
  recover(
    pid: unknown,
    offset: unknown,
    connection: ConnectionLink,
    handshake: Handshake,
    done: (socket: Socket | undefined) => void,
  ): void {
    const socket = typeof pid === 'string' ? this.#suspended.get(pid) : undefined;
    if (!socket && typeof pid === 'string' && this.server.recovery) {
      this.server.handover.recoverFrom(this, pid, offset, connection, handshake).then(done, (error: unknown) => {
        this.server.reportError(error, 'recovery from another node');
        done(undefined);
      });
      return;
    }
    if (!socket || !this.server.recovery) {
      done(undefined);
      return;
    }
    const resume = (): void => {
      if (this.#suspended.get(socket.pid!) !== socket || !socket.resume(connection, offset)) {
        done(undefined);
        return;
      }
      this.#suspended.delete(socket.pid!);
      this.sockets.set(socket.id, socket);
      done(socket);
      this.#listeners.emit('connection', [socket]);
    };
    if (this.server.recovery.skipMiddlewares) resume();
    else runMiddlewares(this.#middlewares, socket, (error) => (error ? done(undefined) : resume()));
  }

  suspendedSocket(pid: string): Socket | undefined {
    return this.#suspended.get(pid);
  }

  async adopt(
    id: string,
    pid: string,
    data: Record<string, unknown>,
    connection: ConnectionLink,
    handshake: Handshake,
  ): Promise<Socket | undefined> {
    const recovery = this.server.recovery!;
    const socket = new Socket(id, this, connection, handshake, { pid, maxEvents: recovery.maxEvents });
    socket.data = data;
    socket.holdEvents();
    const refused = recovery.skipMiddlewares
      ? undefined
      : await new Promise<MiddlewareError | undefined>((resolve) => runMiddlewares(this.#middlewares, socket, resolve));
    if (refused || this.sockets.has(id)) return undefined;
    const linked = await openRelaisConnection(this.server.relais, socket, connection, this.name).then(
      () => true,
      () => false,
    );
    if (!linked || connection.engine.state !== 'open') {
      socket.link?.end();
      return undefined;
    }
    this.sockets.set(id, socket);
    return socket;
  }

  announce(socket: Socket): void {
    this.#listeners.emit('connection', [socket]);
  }

  /** Joins locally at once; resolves when the room's channel subscription is made. */
  joinRoom(socket: RemoteSocket, room: string): Promise<void> | void {
    const local = this.sockets.get(socket.id);
    if (local !== socket || !this.#rooms.join(socket, room)) return;
    const channels = this.server.roomChannels;
    const channel = channels?.channelOf(this.name, room);
    const client = local.link?.client;
    if (!channels || channel === undefined || client === undefined) return;
    local.roomsByChannel.set(channel, room);
    return channels.subscribe(client, channel).then((subscribed) => {
      if (!subscribed && local.connected)
        this.server.logger.warn({ channel }, 'socket.io: the room channel was refused (is its namespace allowed?)');
    });
  }

  leaveRoom(socket: RemoteSocket, room: string): void {
    if (!this.#rooms.leave(socket, room)) return;
    const local = socket instanceof Socket ? socket : undefined;
    const channel = this.server.roomChannels?.channelOf(this.name, room);
    if (!local || channel === undefined || !local.roomsByChannel.delete(channel)) return;
    const client = local.link?.client;
    if (client !== undefined) this.server.roomChannels?.unsubscribe(client, channel);
  }

  roomsOf(socket: RemoteSocket): Set<string> {
    return this.#rooms.roomsOf(socket);
  }

  /** The selected sockets, the cut-off ones kept for recovery included (they keep their events). */
  select(rooms: ReadonlySet<string>, except: ReadonlySet<string>): Set<RemoteSocket> {
    const everyone = this.#suspended.size === 0 ? this.sockets.values() : [...this.sockets.values(), ...this.#suspended.values()];
    return this.#rooms.select(rooms, except, everyone);
  }

  /** Sends an event to the selected sockets on every node (see namespace-broadcast). */
  broadcastEvent(event: string, args: unknown[], rooms: ReadonlySet<string>, except: ReadonlySet<string>): void {
    broadcastEvent(this, event, args, rooms, except);
  }

  /** Writes an encoded packet to the selected sockets of this node. */
  deliverLocal(encoded: [string, ...Buffer[]], rooms: ReadonlySet<string>, except: ReadonlySet<string>, key?: string): void {
    deliverLocal(this.select(rooms, except), encoded, key);
  }

  #operator(): BroadcastOperator {
    return new BroadcastOperator(this, new Set(), new Set());
  }
}

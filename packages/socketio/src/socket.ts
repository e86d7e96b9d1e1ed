/**
 * @module socket
 * One client's socket in one namespace: events in (with acks and `socket.use` middlewares),
 * events out (`emit`, with ack callbacks and `timeout`), rooms, and disconnection.
 */
import { BroadcastOperator } from './broadcast.js';
import type { Handshake } from './handshake.js';
import { Listeners, type Listener } from './listeners.js';
import { encodePacket, RESERVED_EVENTS, type Packet } from './parser.js';
import type { InProcessConnection, InProcessPeer } from '@relais/server';
import type { PublicationPush, Push } from '@relais/protocol';
import { RECOVERABLE_REASONS, RecoveryBuffer, type KeptEvent } from './recovery.js';
import { dataToArgs } from './room-channels.js';
import { PendingAcks, type Ack } from './pending-acks.js';
import { type ConnectionLink, type RemoteSocket, type SocketNamespace } from './roles.js';

/** Why a socket left its namespace, as Socket.IO names it. */
export type DisconnectReason =
  | 'server namespace disconnect'
  | 'client namespace disconnect'
  | 'server shutting down'
  | 'ping timeout'
  | 'transport close'
  | 'transport error'
  | 'parse error'
  | 'forced close';

/** A socket middleware (`socket.use`): sees each incoming event before its listeners. */
export type EventMiddleware = (event: [string, ...unknown[]], next: (error?: Error) => void) => void;

/**
 * The last room event encoded: the node hands one publication to every socket of the room as
 * the same push object (see InProcessPeer), so its packet is encoded once per namespace, and
 * the WebSocket transport frames it once (engine/websocket.ts).
 */
const lastRoomEvent: { nsp?: string; push?: PublicationPush; encoded?: [string, ...Buffer[]] } = {};

function encodeRoomEvent(nsp: string, name: string, push: PublicationPush): [string, ...Buffer[]] {
  const last = lastRoomEvent;
  if (last.encoded && last.push === push && last.nsp === nsp) return last.encoded;
  const encoded = encodePacket({ type: 'EVENT', nsp, data: [name, ...dataToArgs(push.data)] });
  last.nsp = nsp;
  last.push = push;
  last.encoded = encoded;
  return encoded;
}

export class Socket implements RemoteSocket, InProcessPeer {
  readonly id: string;
  readonly nsp: SocketNamespace;
  readonly handshake: Handshake;
  /** Anything the app keeps with the socket (e.g. the user found by a middleware). */
  data: Record<string, unknown> = {};
  connected = false;
  #connection: ConnectionLink;
  /** With connection state recovery: the private session id and the events sent, by offset. */
  readonly pid: string | undefined;
  readonly #recovery: RecoveryBuffer | undefined;
  /** Cut off, waiting for its client to come back (recovery). */
  #suspended: NodeJS.Timeout | undefined;
  /** Whether this socket came back after a cut (connection state recovery). */
  recovered = false;
  /** Coming from another node (remote-recovery): the events that came meanwhile, sent once the hand-over completes. */
  #held: KeptEvent[] | undefined;
  /** Under recovery: the position of the last publication received on each room channel (for a hand-over). */
  readonly #positions = new Map<string, { offset: number; epoch: string }>();
  /**
   * After a hand-over, the last room publication sent per channel (some read from history): the
   * same publications still arriving live are dropped.
   */
  readonly #sentUpTo = new Map<string, { offset: number; epoch: string }>();
  readonly #listeners: Listeners;
  readonly #any: Listener[] = [];
  readonly #middlewares: EventMiddleware[] = [];
  readonly #acks = new PendingAcks();
  /** This socket's relais connection, in process (set by its namespace once the node accepted it). */
  link: InProcessConnection | undefined;
  /** The rooms this socket holds as channels, by channel. */
  readonly roomsByChannel = new Map<string, string>();
  #timeoutMs: number | undefined;

  constructor(
    id: string,
    nsp: SocketNamespace,
    connection: ConnectionLink,
    handshake: Handshake,
    recovery?: { pid: string; maxEvents: number },
  ) {
    this.id = id;
    this.pid = recovery?.pid;
    this.#recovery = recovery && new RecoveryBuffer(recovery.maxEvents);
    this.nsp = nsp;
    this.#connection = connection;
    this.handshake = handshake;
    this.#listeners = new Listeners((error, event) => nsp.server.reportError(error, `listener of ${event}`));
  }

  /** The underlying Engine.IO connection: its transport name and `close()`. */
  get conn(): { readonly transport: { readonly name: string }; close(): void } {
    const engine = this.#connection.engine;
    return {
      get transport() {
        return { name: engine.transport.name };
      },
      close: () => engine.close(),
    };
  }

  /** The relais client id of this socket's connection (its presence key in its rooms' channels), once open. */
  get relaisClient(): string | undefined {
    return this.link?.client;
  }

  get disconnected(): boolean {
    return !this.connected;
  }

  /** The rooms this socket is in, its own id included. */
  get rooms(): Set<string> {
    return this.nsp.roomsOf(this);
  }

  get broadcast(): BroadcastOperator {
    return new BroadcastOperator(this.nsp, new Set(), new Set([this.id]));
  }

  /** Targets the sockets in `room` but this one. */
  to(room: string | readonly string[]): BroadcastOperator {
    return this.broadcast.to(room);
  }

  in(room: string | readonly string[]): BroadcastOperator {
    return this.to(room);
  }

  except(room: string | readonly string[]): BroadcastOperator {
    return this.broadcast.except(room);
  }

  /**
   * Sends an event to this client. A function as last argument receives the client's ack
   * (after `timeout(ms)`: `(error, ...args)`). Throws for a reserved event name.
   */
  emit(event: string, ...args: unknown[]): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const packet: Packet = { type: 'EVENT', nsp: this.nsp.name, data: [event, ...args] };
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args.pop();
      packet.data = [event, ...args];
      packet.id = this.#registerAck(last as Ack);
    }
    this.#timeoutMs = undefined;
    if (packet.id === undefined) this.deliverEvent(packet.data as unknown[]);
    else this.#write(packet);
    return true;
  }

  /** Sends an event and resolves with the client's ack (rejects on timeout). */
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown> {
    const withTimeout = this.#timeoutMs !== undefined;
    return new Promise((resolve, reject) => {
      const ack = withTimeout
        ? (error: unknown, value: unknown) => (error ? reject(error) : resolve(value))
        : (value: unknown) => resolve(value);
      this.emit(event, ...args, ack);
    });
  }

  send(...args: unknown[]): this {
    this.emit('message', ...args);
    return this;
  }

  write(...args: unknown[]): this {
    return this.send(...args);
  }

  /** The next emit's ack gets `(error, ...args)`, the error after `ms` without an ack. */
  timeout(ms: number): this {
    this.#timeoutMs = ms;
    return this;
  }

  /** Accepted for compatibility: relais does not compress per message. */
  compress(_compress: boolean): this {
    return this;
  }

  get volatile(): this {
    return this;
  }

  /** Joins rooms; the returned promise resolves once their channel subscriptions are made (await it before a broadcast from another node). */
  join(rooms: string | readonly string[]): Promise<void> {
    const joined = (typeof rooms === 'string' ? [rooms] : rooms).map((room) => this.nsp.joinRoom(this, room));
    return Promise.all(joined).then(() => undefined);
  }

  leave(room: string): void {
    this.nsp.leaveRoom(this, room);
  }

  /** Leaves the namespace (the client gets a DISCONNECT); with `close`, closes the whole connection. */
  disconnect(close = false): this {
    if (!this.connected) return this;
    if (close) {
      this.#connection.close('forced close');
      return this;
    }
    this.#write({ type: 'DISCONNECT', nsp: this.nsp.name });
    this.onClose('server namespace disconnect');
    return this;
  }

  on(event: string, listener: Listener): this {
    this.#listeners.on(event, listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    this.#listeners.once(event, listener);
    return this;
  }

  off(event: string, listener?: Listener): this {
    this.#listeners.off(event, listener);
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.off(event);
    return this;
  }

  listeners(event: string): Listener[] {
    return this.#listeners.listeners(event);
  }

  /** Listens to every incoming event: `(event, ...args)`. */
  onAny(listener: Listener): this {
    this.#any.push(listener);
    return this;
  }

  prependAny(listener: Listener): this {
    this.#any.unshift(listener);
    return this;
  }

  offAny(listener?: Listener): this {
    if (!listener) this.#any.length = 0;
    else if (this.#any.includes(listener)) this.#any.splice(this.#any.indexOf(listener), 1);
    return this;
  }

  listenersAny(): Listener[] {
    return [...this.#any];
  }

  /** Adds a middleware for incoming events; `next(error)` drops the event and emits `error`. */
  use(middleware: EventMiddleware): this {
    this.#middlewares.push(middleware);
    return this;
  }

  /** The namespace accepted the socket: it is in its own room and has its CONNECT reply. */
  onConnect(): void {
    this.connected = true;
    void this.join(this.id);
    this.#write({ type: 'CONNECT', nsp: this.nsp.name, data: this.pid === undefined ? { sid: this.id } : { sid: this.id, pid: this.pid } });
  }

  /** Whether the socket is cut off and waiting for its client (connection state recovery). */
  get suspended(): boolean {
    return this.#suspended !== undefined;
  }

  /**
   * The client came back on `connection` with the offset of the last event it got: the socket
   * is connected again, with the same id, rooms and data, and gets the events it missed.
   * Returns false when they cannot be told (an unknown offset): the client starts anew.
   */
  resume(connection: ConnectionLink, offset: unknown): boolean {
    const missed = this.#recovery?.since(offset);
    if (!this.#suspended || !missed) return false;
    clearTimeout(this.#suspended);
    this.#suspended = undefined;
    this.#connection = connection;
    this.connected = true;
    this.recovered = true;
    this.#write({ type: 'CONNECT', nsp: this.nsp.name, data: { sid: this.id, pid: this.pid } });
    for (const data of missed) this.#connection.write(encodePacket({ type: 'EVENT', nsp: this.nsp.name, data }));
    return true;
  }

  /** The node closed this socket's relais connection: its Socket.IO connection closes too. */
  closeConnection(): void {
    if (this.#suspended) this.#forget();
    else this.#connection.close('forced close');
  }

  /** A packet from the client for this namespace. */
  onPacket(packet: Packet): void {
    if (!this.connected) return;
    if (packet.type === 'EVENT' || packet.type === 'ACK') {
      const verdict = this.link?.admit() ?? 'ok';
      if (verdict === 'flood') {
        this.nsp.server.metrics.limitedEvents++;
        this.#connection.close('forced close');
        return;
      }
      if (verdict === 'limited') {
        this.nsp.server.metrics.limitedEvents++;
        return;
      }
    }
    if (packet.type === 'EVENT') this.#onEvent(packet);
    else if (packet.type === 'ACK') this.#onAck(packet);
    else if (packet.type === 'DISCONNECT') this.onClose('client namespace disconnect');
  }

  /** Leaves the namespace: `disconnecting` (rooms still known), rooms left, `disconnect`. */
  onClose(reason: DisconnectReason, description?: string): void {
    if (!this.connected) return;
    this.#listeners.emit('disconnecting', [reason, description]);
    this.connected = false;
    this.#connection.remove(this);
    this.#acks.clear();
    const recovery = this.nsp.server.recovery;
    if (this.#recovery && recovery && RECOVERABLE_REASONS.has(reason)) {
      // Kept, rooms and subscriptions included, for the client to come back (see recovery).
      this.#suspended = setTimeout(() => this.#forget(), recovery.maxDisconnectionMs);
      this.#suspended.unref();
      this.nsp.suspend(this);
    } else {
      this.nsp.remove(this);
      this.link?.end();
    }
    this.#listeners.emit('disconnect', [reason, description]);
  }

  /** A cut-off socket leaves for good: its client did not come back in time, or the server closes. */
  forget(): void {
    if (this.#suspended) this.#forget();
  }

  #forget(): void {
    clearTimeout(this.#suspended);
    this.#suspended = undefined;
    this.nsp.remove(this);
    this.link?.end();
  }

  /** @internal InProcessPeer: what this socket's relais connection wrote and the client has not read yet. */
  get bufferedBytes(): number {
    return this.#connection.engine.bufferedBytes;
  }

  /** @internal InProcessPeer: a push of this socket's relais connection; publications of its rooms become events. */
  onPush(push: Push): void {
    if (push.type === 'publication') this.#onPublication(push);
  }

  /** @internal InProcessPeer: the node closed this socket's relais connection (a limit, a kick, shutdown). */
  onNodeClose(): void {
    this.closeConnection();
  }

  /** A publication on a channel this socket holds as a room: the event goes to the client. */
  #onPublication(push: PublicationPush): void {
    const { channel, data } = push;
    const name = push.event ?? 'message';
    const position = push.offset !== undefined && push.epoch !== undefined ? { offset: push.offset, epoch: push.epoch } : undefined;
    if (!this.roomsByChannel.has(channel)) return;
    if (position && this.#recovery) {
      const sent = this.#sentUpTo.get(channel);
      if (sent && sent.epoch === position.epoch && position.offset <= sent.offset) return;
      if (sent) this.#sentUpTo.delete(channel);
      this.#positions.set(channel, position);
    }
    if (RESERVED_EVENTS.has(name)) return;
    if (!this.#recovery && !this.#held) {
      if (this.connected) this.#connection.write(encodeRoomEvent(this.nsp.name, name, push));
      return;
    }
    this.deliverEvent([name, ...dataToArgs(data)], position && `c:${channel}:${position.epoch}:${position.offset}`);
  }

  /** Sends an already encoded packet of this namespace (a broadcast), or its event when recovery keeps offsets. */
  writeEncoded(encoded: readonly [string, ...Buffer[]], event: () => unknown[], key?: string): void {
    if (this.#recovery) this.deliverEvent(event(), key);
    else if (this.connected) this.#connection.write(encoded);
  }

  /**
   * An event without ack for this client: kept with its offset under recovery, sent when
   * connected. `key` tells the same event apart on two nodes during a hand-over (see remote-recovery).
   */
  deliverEvent(data: unknown[], key?: string): void {
    if (this.#held) {
      this.#held.push(key === undefined ? { data } : { data, key });
      return;
    }
    if (this.#recovery) {
      if (!this.connected && !this.#suspended) return;
      const offset = this.#recovery.add(data, key);
      if (this.connected) this.#connection.write(encodePacket({ type: 'EVENT', nsp: this.nsp.name, data: [...data, offset] }));
      return;
    }
    if (this.connected) this.#connection.write(encodePacket({ type: 'EVENT', nsp: this.nsp.name, data }));
  }

  /** Whether this cut-off socket can give the events after `offset` (its client may resume it, here or on another node). */
  canResume(offset: unknown): boolean {
    return this.#suspended !== undefined && this.#recovery?.since(offset) !== undefined;
  }

  /**
   * Hands this cut-off socket over to another node: it leaves here for good (rooms, relais
   * connection) and returns the events after `offset`; undefined when it cannot.
   */
  handOver(offset: unknown): { events: KeptEvent[]; positions: Record<string, { offset: number; epoch: string }> } | undefined {
    const events = this.#suspended ? this.#recovery?.keptSince(offset) : undefined;
    if (!events) return undefined;
    const positions = Object.fromEntries(this.#positions);
    this.#forget();
    return { events, positions };
  }

  /** A socket coming from another node: events are held until `completeHandOver`. */
  holdEvents(): void {
    this.#held = [];
  }

  /**
   * The hand-over is done: the socket is connected, and gets the events the other node kept,
   * then those that came here meanwhile that the other node did not have (by key), each once.
   */
  completeHandOver(events: readonly KeptEvent[]): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    const known = new Set(events.flatMap((event) => (event.key === undefined ? [] : [event.key])));
    for (const key of known) {
      const match = /^c:(.*):([^:]*):(\d+)$/.exec(key);
      if (!match) continue;
      const [, channel, epoch, offset] = match as unknown as [string, string, string, string];
      const sent = this.#sentUpTo.get(channel);
      if (!sent || sent.epoch !== epoch || sent.offset < Number(offset)) this.#sentUpTo.set(channel, { epoch, offset: Number(offset) });
    }
    this.connected = true;
    this.recovered = true;
    this.#write({ type: 'CONNECT', nsp: this.nsp.name, data: { sid: this.id, pid: this.pid } });
    for (const event of [...events, ...held.filter((item) => item.key === undefined || !known.has(item.key))])
      this.deliverEvent(event.data, event.key);
  }

  #registerAck(ack: Ack): number {
    return this.#acks.add(ack, this.#timeoutMs);
  }

  #write(packet: Packet): void {
    if (this.connected || packet.type === 'DISCONNECT') this.#connection.write(encodePacket(packet));
  }

  #onEvent(packet: Packet): void {
    const args = [...(packet.data as unknown[])];
    if (packet.id !== undefined) args.push(this.#ackFor(packet.id));
    this.#runMiddlewares(args as [string, ...unknown[]], 0, () => {
      if (!this.connected) return;
      for (const listener of [...this.#any]) this.#listeners.call(listener, args, '*');
      this.#listeners.emit(String(args[0]), args.slice(1));
    });
  }

  #runMiddlewares(event: [string, ...unknown[]], index: number, done: () => void): void {
    const middleware = this.#middlewares[index];
    if (!middleware) {
      done();
      return;
    }
    let called = false;
    const next = (error?: Error): void => {
      if (called) return;
      called = true;
      if (error) {
        // Deferred, as in socket.io: an `error` listener added after the middleware still hears it.
        queueMicrotask(() => this.#listeners.emit('error', [error]));
        return;
      }
      this.#runMiddlewares(event, index + 1, done);
    };
    try {
      middleware(event, next);
    } catch (error) {
      next(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The ack function handed to a listener: it sends one ACK, later calls do nothing. */
  #ackFor(id: number): Ack {
    let sent = false;
    return (...args: unknown[]) => {
      if (sent) return;
      sent = true;
      this.#write({ type: 'ACK', nsp: this.nsp.name, id, data: args });
    };
  }

  #onAck(packet: Packet): void {
    const ack = this.#acks.take(packet.id as number);
    if (!ack) {
      this.nsp.server.metrics.unknownAcks++;
      return;
    }
    try {
      ack(...(packet.data as unknown[]));
    } catch (error) {
      this.nsp.server.reportError(error, 'ack callback');
    }
  }
}

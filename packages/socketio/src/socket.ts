/**
 * @module socket
 * One client's socket in one namespace: events in (with acks; listeners in socket-events),
 * events out (`emit`, with ack callbacks and `timeout`), rooms, and disconnection.
 */
import { BroadcastOperator } from './broadcast.js';
import type { Handshake } from './handshake.js';
import { SocketEvents } from './socket-events.js';
import { encodePacket, RESERVED_EVENTS, type Packet } from './parser.js';
import type { InProcessConnection, InProcessPeer } from '@relais/server';
import type { PublicationPush, Push } from '@relais/protocol';
import { RECOVERABLE_REASONS, type KeptEvent } from './recovery.js';
import { publicationKey, SocketRecovery } from './socket-recovery.js';
import { dataToArgs, roomEventPacket } from './room-channels.js';
import { PendingAcks, replyOnce, type Ack } from './pending-acks.js';
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

export class Socket extends SocketEvents implements RemoteSocket, InProcessPeer {
  readonly id: string;
  readonly nsp: SocketNamespace;
  readonly handshake: Handshake;
  /** Anything the app keeps with the socket (e.g. the user found by a middleware). */
  data: Record<string, unknown> = {};
  connected = false;
  #connection: ConnectionLink;
  /** With connection state recovery: its pid, the events sent by offset, the cut-off timer (see socket-recovery). */
  readonly #recovery: SocketRecovery | undefined;
  /** Whether this socket came back after a cut (connection state recovery). */
  recovered = false;
  // Created on first use: most sockets never wait for an ack.
  #acks: PendingAcks | undefined;
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
    super((error, event) => nsp.server.reportError(error, `listener of ${event}`));
    this.id = id;
    this.#recovery = recovery && new SocketRecovery(recovery.pid, recovery.maxEvents);
    this.nsp = nsp;
    this.#connection = connection;
    this.handshake = handshake;
  }

  /** With connection state recovery: the private session id the client echoes to come back. */
  get pid(): string | undefined {
    return this.#recovery?.pid;
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

  /** The namespace accepted the socket: it is in its own room and has its CONNECT reply. */
  onConnect(): void {
    this.connected = true;
    void this.join(this.id);
    this.#write({ type: 'CONNECT', nsp: this.nsp.name, data: this.pid === undefined ? { sid: this.id } : { sid: this.id, pid: this.pid } });
  }

  /** Whether the socket is cut off and waiting for its client (connection state recovery). */
  get suspended(): boolean {
    return this.#recovery?.suspended !== undefined;
  }

  /**
   * The client came back on `connection` with the offset of the last event it got: the socket
   * is connected again, with the same id, rooms and data, and gets the events it missed.
   * Returns false when they cannot be told (an unknown offset): the client starts anew.
   */
  resume(connection: ConnectionLink, offset: unknown): boolean {
    const recovery = this.#recovery;
    const missed = recovery?.buffer.since(offset);
    if (!recovery?.suspended || !missed) return false;
    clearTimeout(recovery.suspended);
    recovery.suspended = undefined;
    this.#connection = connection;
    this.connected = true;
    this.recovered = true;
    this.#write({ type: 'CONNECT', nsp: this.nsp.name, data: { sid: this.id, pid: this.pid } });
    for (const data of missed) this.#connection.write(encodePacket({ type: 'EVENT', nsp: this.nsp.name, data }));
    return true;
  }

  /** The node closed this socket's relais connection: its Socket.IO connection closes too. */
  closeConnection(): void {
    if (this.suspended) this.#forget();
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
    this.emitOwn('disconnecting', [reason, description]);
    this.connected = false;
    this.#connection.remove(this);
    this.#acks?.clear();
    const options = this.nsp.server.recovery;
    if (this.#recovery && options && RECOVERABLE_REASONS.has(reason)) {
      // Kept, rooms and subscriptions included, for the client to come back (see recovery).
      this.#recovery.suspended = setTimeout(() => this.#forget(), options.maxDisconnectionMs);
      this.#recovery.suspended.unref();
      this.nsp.suspend(this);
    } else {
      this.nsp.remove(this);
      this.link?.end();
    }
    this.emitOwn('disconnect', [reason, description]);
  }

  /** A cut-off socket leaves for good: its client did not come back in time, or the server closes. */
  forget(): void {
    if (this.suspended) this.#forget();
  }

  #forget(): void {
    if (this.#recovery) {
      clearTimeout(this.#recovery.suspended);
      this.#recovery.suspended = undefined;
    }
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
    const { channel } = push;
    if (!this.roomsByChannel.has(channel)) return;
    const name = push.event ?? 'message';
    const recovery = this.#recovery;
    if (!recovery) {
      // The common case: the same encoded packet for every socket of the room (encodeRoomEvent).
      if (this.connected && !RESERVED_EVENTS.has(name)) this.#connection.write(roomEventPacket(this.nsp.name, name, push));
      return;
    }
    const position = push.offset !== undefined && push.epoch !== undefined ? { offset: push.offset, epoch: push.epoch } : undefined;
    if (position && !recovery.arrived(channel, position)) return;
    if (RESERVED_EVENTS.has(name)) return;
    this.deliverEvent([name, ...dataToArgs(push.data)], position && publicationKey(channel, position));
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
    const recovery = this.#recovery;
    if (recovery?.held) {
      recovery.held.push(key === undefined ? { data } : { data, key });
      return;
    }
    if (recovery) {
      if (!this.connected && !recovery.suspended) return;
      const offset = recovery.buffer.add(data, key);
      if (this.connected) this.#connection.write(encodePacket({ type: 'EVENT', nsp: this.nsp.name, data: [...data, offset] }));
      return;
    }
    if (this.connected) this.#connection.write(encodePacket({ type: 'EVENT', nsp: this.nsp.name, data }));
  }

  /** Whether this cut-off socket can give the events after `offset` (its client may resume it, here or on another node). */
  canResume(offset: unknown): boolean {
    return this.suspended && this.#recovery!.buffer.since(offset) !== undefined;
  }

  /**
   * Hands this cut-off socket over to another node: it leaves here for good (rooms, relais
   * connection) and returns the events after `offset`; undefined when it cannot.
   */
  handOver(offset: unknown): { events: KeptEvent[]; positions: Record<string, { offset: number; epoch: string }> } | undefined {
    const events = this.suspended ? this.#recovery!.buffer.keptSince(offset) : undefined;
    if (!events) return undefined;
    const positions = Object.fromEntries(this.#recovery!.positions);
    this.#forget();
    return { events, positions };
  }

  /** A socket coming from another node (it has a pid): events are held until `completeHandOver`. */
  holdEvents(): void {
    if (this.#recovery) this.#recovery.held = [];
  }

  /**
   * The hand-over is done: the socket is connected, and gets the events the other node kept,
   * then those that came here meanwhile that the other node did not have (by key), each once.
   */
  completeHandOver(events: readonly KeptEvent[]): void {
    const recovery = this.#recovery!;
    const held = recovery.held ?? [];
    recovery.held = undefined;
    const known = recovery.sending(events);
    this.connected = true;
    this.recovered = true;
    this.#write({ type: 'CONNECT', nsp: this.nsp.name, data: { sid: this.id, pid: this.pid } });
    for (const event of [...events, ...held.filter((item) => item.key === undefined || !known.has(item.key))])
      this.deliverEvent(event.data, event.key);
  }

  #registerAck(ack: Ack): number {
    return (this.#acks ??= new PendingAcks()).add(ack, this.#timeoutMs);
  }

  #write(packet: Packet): void {
    if (this.connected || packet.type === 'DISCONNECT') this.#connection.write(encodePacket(packet));
  }

  #onEvent(packet: Packet): void {
    const args = [...(packet.data as unknown[])];
    if (packet.id !== undefined) args.push(replyOnce((data) => this.#write({ type: 'ACK', nsp: this.nsp.name, id: packet.id, data })));
    this.dispatch(args as [string, ...unknown[]], () => this.connected);
  }

  #onAck(packet: Packet): void {
    const answered = this.#acks?.answer(packet.id as number, packet.data as unknown[], (error) =>
      this.nsp.server.reportError(error, 'ack callback'),
    );
    if (!answered) this.nsp.server.metrics.unknownAcks++;
  }
}

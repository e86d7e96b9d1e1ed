/**
 * @module roles
 * The small roles the Socket.IO objects see of each other, so that sockets, namespaces,
 * broadcasts and connections depend on contracts rather than on each other's classes.
 */
import type { Logger, Relais } from '@relais/server';
import type { ClusterBroadcast } from './cluster-broadcast.js';
import type { EngineCloseReason, EngineSocket } from './engine/engine-socket.js';
import type { Handshake } from './handshake.js';
import type { RecoveryOptions } from './recovery.js';
import type { RoomChannels } from './room-channels.js';

/** The message of an ack that did not come in time (as socket.io words it). */
export const ACK_TIMEOUT_MESSAGE = 'operation has timed out';

/** What the front-end counts: protocol violations and stray acks. */
export interface SocketIoMetrics {
  /** Malformed Socket.IO packets, and packets for namespaces not joined: each closed its connection. */
  badPackets: number;
  /** ACK packets whose id matched no pending ack (ignored). */
  unknownAcks: number;
  /** Engine.IO requests refused (bad query, unknown sid, Origin). */
  refusedRequests: number;
  /** Events and acks dropped by the node's rate limits (a flood closes the connection instead). */
  limitedEvents: number;
}

/** What every Socket.IO object reports to and reaches the node through: the Server. */
export interface FrontEnd {
  readonly relais: Relais;
  readonly logger: Logger;
  /** Rooms as channels; undefined when the `roomChannel` option is false. */
  readonly roomChannels: RoomChannels | undefined;
  readonly clusterBroadcast: ClusterBroadcast;
  /** Operations on the sockets of every node. */
  readonly clusterOps: ClusterOperations;
  readonly metrics: SocketIoMetrics;
  /** Connection state recovery, when on. */
  readonly recovery: RecoveryOptions | undefined;
  /** Logs an error thrown by app code (a listener, a middleware, an ack callback). */
  reportError(error: unknown, where: string): void;
}

/** An error a connection middleware passes to `next`: the client's `connect_error` gets `message` and `data`. */
export interface MiddlewareError extends Error {
  data?: unknown;
}

/** A socket as broadcasts and `fetchSockets()` see it. */
export interface RemoteSocket {
  readonly id: string;
  readonly handshake: Handshake;
  data: Record<string, unknown>;
  readonly rooms: Set<string>;
  emit(event: string, ...args: unknown[]): boolean;
  /** Sends an event and resolves with the client's ack. */
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  /** The next emit's ack gets `(error, response)`, the error after `ms` without an ack. */
  timeout(ms: number): this;
  join(rooms: string | readonly string[]): Promise<void> | void;
  leave(room: string): Promise<void> | void;
  disconnect(close?: boolean): unknown;
}

/** The sockets a broadcast can reach: a namespace on this node. */
export interface BroadcastTarget {
  readonly name: string;
  /** Sockets in any of `rooms` (all when empty), minus those in any of `except`. */
  select(rooms: ReadonlySet<string>, except: ReadonlySet<string>): Set<RemoteSocket>;
  /** Sends an event to the selected sockets, on every node. */
  broadcastEvent(event: string, args: unknown[], rooms: ReadonlySet<string>, except: ReadonlySet<string>): void;
  /** The selected connected sockets of every node. */
  fetchSockets(rooms: ReadonlySet<string>, except: ReadonlySet<string>): Promise<RemoteSocket[]>;
  /** Applies `op` to the selected connected sockets of every node; resolves when all nodes did (never rejects). */
  applyToSockets(rooms: ReadonlySet<string>, except: ReadonlySet<string>, op: SocketOp): Promise<void>;
  /** Sends an event with an ack to the selected sockets of every node; `callback(error, responses)` once all answered or after `timeoutMs`. */
  broadcastWithAck(
    event: string,
    args: unknown[],
    rooms: ReadonlySet<string>,
    except: ReadonlySet<string>,
    timeoutMs: number | undefined,
    callback: (error: Error | null, responses: unknown[]) => void,
  ): void;
}

/** What a socket needs of its namespace. */
export interface SocketNamespace extends BroadcastTarget {
  readonly server: FrontEnd;
  /** Sends an event to every socket of the namespace. */
  emit(event: string, ...args: unknown[]): boolean;
  roomsOf(socket: RemoteSocket): Set<string>;
  joinRoom(socket: RemoteSocket, room: string): Promise<void> | void;
  leaveRoom(socket: RemoteSocket, room: string): void;
  /** The socket left the namespace. */
  remove(socket: RemoteSocket): void;
  /** The socket is cut off but kept for its client to come back (connection state recovery). */
  suspend(socket: RemoteSocket): void;
}

/** What a socket needs of its connection. */
export interface ConnectionLink {
  readonly engine: EngineSocket;
  write(encoded: readonly [string, ...Buffer[]]): void;
  close(reason?: EngineCloseReason): void;
  /** Refuses a namespace CONNECT with the middleware's error (`connect_error` on the client). */
  connectError(nsp: string, error: MiddlewareError): void;
  /** The socket left its namespace. */
  remove(socket: { readonly nsp: { readonly name: string } }): void;
}

/** A socket as another node describes it (JSON). */
export interface SocketDetails {
  id: string;
  handshake: Handshake;
  rooms: string[];
  data: Record<string, unknown>;
}

/** Which sockets of a namespace an operation is for. */
export interface Selection {
  nsp: string;
  rooms: string[];
  except: string[];
}

/** What an operation does to each selected socket. */
export type SocketOp = { type: 'join'; rooms: string[] } | { type: 'leave'; rooms: string[] } | { type: 'disconnect'; close: boolean };

/** One node's answer to an ack broadcast: the acks it got, and how many sockets did not answer in time. */
export interface AckAnswer {
  responses: unknown[];
  missing: number;
}

/** Operations on the sockets of every node of the cluster (cluster-ops implements it). */
export interface ClusterOperations {
  /** The selected sockets: this node's, and the other nodes' descriptions; rejects when a node did not answer. */
  fetchSockets(selection: Selection): Promise<{ local: RemoteSocket[]; remote: SocketDetails[] }>;
  /** Applies `op` to the selected sockets of every node; resolves when every node did (never rejects). */
  apply(selection: Selection, op: SocketOp): Promise<void>;
  /** Sends an event with an ack to the selected sockets of every node; `callback(error, responses)` once. */
  emitWithAcks(
    selection: Selection,
    event: string,
    args: unknown[],
    timeoutMs: number | undefined,
    callback: (error: Error | null, responses: unknown[]) => void,
  ): void;
  /** Calls the listeners of `args[0]` on namespace `nsp` of every other node. */
  serverSideEmit(nsp: string, args: unknown[]): Promise<void>;
  /** One answer per other node to a server-side event. */
  serverSideEmitWithAck(nsp: string, args: unknown[]): Promise<unknown[]>;
}

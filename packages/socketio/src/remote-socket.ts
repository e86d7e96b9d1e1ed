/**
 * @module remote-socket
 * A socket held by another node, as `fetchSockets()` gives it (socket.io's `RemoteSocket`): its
 * id, handshake, rooms and data as they were when fetched, and `emit`, `join`, `leave`,
 * `disconnect` that reach it through its namespace's broadcasts to its own room.
 */
import type { BroadcastOperator } from './broadcast.js';
import type { Handshake } from './handshake.js';
import type { RemoteSocket, SocketDetails } from './roles.js';

/** The namespace operations a remote socket goes through. */
export interface RemoteSocketTarget {
  to(room: string): BroadcastOperator;
}

export class RemoteSocketProxy implements RemoteSocket {
  readonly id: string;
  readonly handshake: Handshake;
  readonly rooms: Set<string>;
  data: Record<string, unknown>;
  readonly #nsp: RemoteSocketTarget;
  #timeoutMs: number | undefined;

  constructor(nsp: RemoteSocketTarget, details: SocketDetails) {
    this.#nsp = nsp;
    this.id = details.id;
    this.handshake = details.handshake;
    this.rooms = new Set(details.rooms);
    this.data = details.data;
  }

  /** The next emit's ack gets `(error, response)`, the error after `ms` without an ack. */
  timeout(ms: number): this {
    this.#timeoutMs = ms;
    return this;
  }

  /** Sends an event to the socket; a function as last argument gets `(error, response)`. */
  emit(event: string, ...args: unknown[]): boolean {
    const timeoutMs = this.#timeoutMs;
    this.#timeoutMs = undefined;
    const operator = timeoutMs === undefined ? this.#nsp.to(this.id) : this.#nsp.to(this.id).timeout(timeoutMs);
    const last = args[args.length - 1];
    if (typeof last !== 'function') return operator.emit(event, ...args);
    const ack = last as (error: Error | null, response: unknown) => void;
    return operator.emit(event, ...args.slice(0, -1), (error: Error | null, responses: unknown[]) => ack(error, responses[0]));
  }

  /** Sends an event and resolves with the socket's ack (rejects when it did not come in time). */
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.emit(event, ...args, (error: Error | null, response: unknown) => (error ? reject(error) : resolve(response)));
    });
  }

  /** Joins rooms on the node holding the socket; resolves once done there. */
  join(rooms: string | readonly string[]): Promise<void> {
    return this.#nsp.to(this.id).socketsJoin(rooms);
  }

  leave(room: string): Promise<void> {
    return this.#nsp.to(this.id).socketsLeave(room);
  }

  disconnect(close = false): this {
    void this.#nsp.to(this.id).disconnectSockets(close);
    return this;
  }
}

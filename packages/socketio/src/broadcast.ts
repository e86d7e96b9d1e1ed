/**
 * @module broadcast
 * `io.to(room).emit(...)` and friends: a selection of a namespace's sockets (rooms, minus
 * excepted rooms) and what can be done to them. The packet is encoded once for all of them.
 */
import { RESERVED_EVENTS } from './parser.js';
import type { BroadcastTarget, RemoteSocket } from './roles.js';

function roomList(room: string | readonly string[]): readonly string[] {
  return typeof room === 'string' ? [room] : room;
}

export class BroadcastOperator {
  readonly #nsp: BroadcastTarget;
  readonly #rooms: ReadonlySet<string>;
  readonly #except: ReadonlySet<string>;
  readonly #timeoutMs: number | undefined;

  constructor(nsp: BroadcastTarget, rooms: ReadonlySet<string>, except: ReadonlySet<string>, timeoutMs?: number) {
    this.#nsp = nsp;
    this.#rooms = rooms;
    this.#except = except;
    this.#timeoutMs = timeoutMs;
  }

  /** Adds rooms to target (sockets in any of them). */
  to(room: string | readonly string[]): BroadcastOperator {
    return new BroadcastOperator(this.#nsp, new Set([...this.#rooms, ...roomList(room)]), this.#except, this.#timeoutMs);
  }

  in(room: string | readonly string[]): BroadcastOperator {
    return this.to(room);
  }

  /** Leaves out the sockets in these rooms. */
  except(room: string | readonly string[]): BroadcastOperator {
    return new BroadcastOperator(this.#nsp, this.#rooms, new Set([...this.#except, ...roomList(room)]), this.#timeoutMs);
  }

  /** With an ack callback as last argument: `(error, responses[])` once all answered or after `ms`. */
  timeout(ms: number): BroadcastOperator {
    return new BroadcastOperator(this.#nsp, this.#rooms, this.#except, ms);
  }

  /** Accepted for compatibility: every relais broadcast reaches the connected sockets it can. */
  get volatile(): BroadcastOperator {
    return this;
  }

  get local(): BroadcastOperator {
    return this;
  }

  compress(_compress: boolean): BroadcastOperator {
    return this;
  }

  /** Sends an event to the selected sockets. Throws for a reserved event name. */
  emit(event: string, ...args: unknown[]): boolean {
    if (RESERVED_EVENTS.has(event)) throw new Error(`"${event}" is a reserved event name`);
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      this.#emitWithAcks(event, args.slice(0, -1), last as (error: Error | null, responses: unknown[]) => void);
      return true;
    }
    this.#nsp.broadcastEvent(event, args, this.#rooms, this.#except);
    return true;
  }

  /** Sends an event and resolves with every socket's ack (rejects when some did not answer in time). */
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      this.emit(event, ...args, (error: Error | null, responses: unknown[]) => (error ? reject(error) : resolve(responses)));
    });
  }

  send(...args: unknown[]): boolean {
    return this.emit('message', ...args);
  }

  /** The selected sockets of every node: this node's as Socket objects, other nodes' as RemoteSocket copies. */
  fetchSockets(): Promise<RemoteSocket[]> {
    return this.#nsp.fetchSockets(this.#rooms, this.#except);
  }

  /** Makes the selected sockets of every node join `room`; resolves once they did (their channel subscriptions made). */
  socketsJoin(room: string | readonly string[]): Promise<void> {
    return this.#nsp.applyToSockets(this.#rooms, this.#except, { type: 'join', rooms: [...roomList(room)] });
  }

  /** Makes the selected sockets of every node leave `room`; resolves once they did. */
  socketsLeave(room: string | readonly string[]): Promise<void> {
    return this.#nsp.applyToSockets(this.#rooms, this.#except, { type: 'leave', rooms: [...roomList(room)] });
  }

  /** Disconnects the selected sockets of every node (with `close`, their whole connections); resolves once done. */
  disconnectSockets(close = false): Promise<void> {
    return this.#nsp.applyToSockets(this.#rooms, this.#except, { type: 'disconnect', close });
  }

  #emitWithAcks(event: string, args: unknown[], callback: (error: Error | null, responses: unknown[]) => void): void {
    this.#nsp.broadcastWithAck(event, args, this.#rooms, this.#except, this.#timeoutMs, callback);
  }
}

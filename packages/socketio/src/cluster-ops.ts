/**
 * @module cluster-ops
 * The server API calls that act on the sockets of every node (`fetchSockets`, `socketsJoin`,
 * `socketsLeave`, `disconnectSockets`, broadcasts with acks, `serverSideEmit`), over the
 * node's cluster: this node acts on its own sockets at once, and asks each other node
 * (`relais.cluster.request`) to act on its sockets and answer, as socket.io's cluster adapters do.
 * A node that has no Socket.IO server on this path answers "no handler": it has no sockets.
 */
import type { Relais } from '@relais/server';
import { decodeEncoded, encodePacket, RESERVED_EVENTS } from './parser.js';
import {
  ACK_TIMEOUT_MESSAGE,
  type AckAnswer,
  type ClusterOperations,
  type FrontEnd,
  type RemoteSocket,
  type Selection,
  type SocketDetails,
  type SocketOp,
} from './roles.js';

/** What an ack broadcast waits beyond its `timeout(ms)` for the other nodes' answers, in ms. */
export const ACK_ANSWER_GRACE_MS = 1000;

/** What the cluster operations need of this node's namespaces. */
export interface LocalSockets {
  /** The connected sockets of namespace `nsp` on this node in the selection; empty for an unknown namespace. */
  sockets(selection: Selection): RemoteSocket[];
  /** Sends `[event, ...args]` with an ack to each selected socket; answers when all acked or after `timeoutMs`. */
  emitWithAcks(selection: Selection, event: string, args: unknown[], timeoutMs: number): Promise<AckAnswer>;
  /** Calls namespace `nsp`'s listeners of a server-side event; `ack` when the emitter wants an answer. */
  serverSideEvent(nsp: string, args: unknown[], ack: ((response: unknown) => void) | undefined): void;
}

interface Types {
  fetch: string;
  apply: string;
  acks: string;
  emit: string;
}

export class ClusterOps implements ClusterOperations {
  readonly #relais: Relais;
  readonly #local: LocalSockets;
  readonly #types: Types;
  readonly #disposers: Array<() => void>;
  readonly #onError: (error: unknown, where: string) => void;
  /** Longest this node waits for another node's answer (the `requestsTimeout` option), in ms. */
  readonly #timeoutMs: number;

  /**
   * Answers the other nodes' operations on this node's sockets of the Socket.IO server on
   * `path`; waits at most `timeoutMs` for their answers to its own.
   */
  constructor(relais: Relais, path: string, local: LocalSockets, onError: (error: unknown, where: string) => void, timeoutMs: number) {
    this.#relais = relais;
    this.#timeoutMs = timeoutMs;
    this.#local = local;
    this.#onError = onError;
    this.#types = {
      fetch: `socketio.fetch:${path}`,
      apply: `socketio.apply:${path}`,
      acks: `socketio.acks:${path}`,
      emit: `socketio.server-emit:${path}`,
    };
    const cluster = relais.cluster;
    this.#disposers = [
      cluster.handle(this.#types.fetch, (body) => this.#local.sockets(body as Selection).map(details)),
      cluster.handle(this.#types.apply, async (body) => {
        const { selection, op } = body as { selection: Selection; op: SocketOp };
        await applyOp(this.#local.sockets(selection), op);
        return null;
      }),
      cluster.handle(this.#types.acks, (body) => {
        const { selection, packed, timeoutMs } = body as { selection: Selection; packed: Packed; timeoutMs: number };
        const [event, ...args] = unpack(packed);
        return this.#local.emitWithAcks(selection, String(event), args, timeoutMs);
      }),
      cluster.handle(this.#types.emit, (body, from) => {
        const { nsp, args, ack } = body as { nsp: string; args: unknown[]; ack?: true };
        if (from === cluster.nodeId) return null;
        if (!ack) {
          this.#local.serverSideEvent(nsp, args, undefined);
          return null;
        }
        return new Promise((resolve) => this.#local.serverSideEvent(nsp, args, resolve));
      }),
    ];
  }

  /** The selected sockets of every node: this node's as they are, the others' as RemoteSocket descriptions. */
  async fetchSockets(selection: Selection): Promise<{ local: RemoteSocket[]; remote: SocketDetails[] }> {
    const local = this.#local.sockets(selection);
    const answers = await this.#askOthers(this.#types.fetch, selection, this.#timeoutMs);
    return { local, remote: answers.flatMap((answer) => answer as SocketDetails[]) };
  }

  /** Applies `op` to the selected sockets of every node; resolves when every node did (never rejects: failures are logged). */
  async apply(selection: Selection, op: SocketOp): Promise<void> {
    const local = applyOp(this.#local.sockets(selection), op);
    const remote = this.#askOthers(this.#types.apply, { selection, op }, this.#timeoutMs);
    await Promise.all([local, remote]).catch((error: unknown) => this.#onError(error, `${op.type} on other nodes`));
  }

  /**
   * Sends an event with an ack to the selected sockets of every node; calls back once every
   * socket answered, or after `timeoutMs` with the error and the answers that came.
   */
  emitWithAcks(
    selection: Selection,
    event: string,
    args: unknown[],
    timeoutMs: number | undefined,
    callback: (error: Error | null, responses: unknown[]) => void,
  ): void {
    const waitMs = timeoutMs ?? this.#timeoutMs;
    const body = { selection, packed: pack(selection.nsp, [event, ...args]), timeoutMs: waitMs };
    const local = this.#local.emitWithAcks(selection, event, args, waitMs);
    const others = this.#askOthers(this.#types.acks, body, waitMs + ACK_ANSWER_GRACE_MS).then(
      (answers) => answers as AckAnswer[],
      (): AckAnswer[] => [{ responses: [], missing: 1 }],
    );
    void Promise.all([local, others]).then(([own, remote]) => {
      const all = [own, ...remote];
      const responses = all.flatMap((answer) => answer.responses);
      const complete = all.every((answer) => answer.missing === 0);
      try {
        callback(complete ? null : new Error(ACK_TIMEOUT_MESSAGE), responses);
      } catch (error) {
        this.#onError(error, 'broadcast ack callback');
      }
    });
  }

  /** Calls the listeners of `args[0]` on namespace `nsp` of every other node. */
  serverSideEmit(nsp: string, args: unknown[]): Promise<void> {
    return this.#relais.cluster.send(undefined, this.#types.emit, { nsp, args });
  }

  /** Asks every other node for its answer to a server-side event: resolves with the answers (rejects after the timeout). */
  serverSideEmitWithAck(nsp: string, args: unknown[]): Promise<unknown[]> {
    return this.#askOthers(this.#types.emit, { nsp, args, ack: true }, this.#timeoutMs);
  }

  close(): void {
    for (const dispose of this.#disposers) dispose();
  }

  /**
   * Asks every other node alive; resolves with the answers of those that have a handler (a node
   * without one has no Socket.IO server on this path), rejects when one did not answer in time.
   */
  async #askOthers(type: string, body: unknown, timeoutMs: number): Promise<unknown[]> {
    const cluster = this.#relais.cluster;
    const others = cluster.nodes().filter((node) => node.id !== cluster.nodeId);
    const answers = await Promise.all(
      others.map(({ id }) =>
        cluster.request(id, type, body, timeoutMs).then(
          (result) => ({ result }),
          (error: { temporary?: boolean }) => {
            if (error.temporary) throw error;
            return undefined;
          },
        ),
      ),
    );
    return answers.filter((answer) => answer !== undefined).map((answer) => answer.result);
  }
}

/** An event's `[name, ...args]` as JSON: the Socket.IO packet, its binary attachments in base64. */
interface Packed {
  text: string;
  attachments: string[];
}

function pack(nsp: string, data: unknown[]): Packed {
  const [text, ...attachments] = encodePacket({ type: 'EVENT', nsp, data });
  return { text, attachments: attachments.map((item) => item.toString('base64')) };
}

function unpack(packed: Packed): unknown[] {
  return decodeEncoded([packed.text, ...packed.attachments.map((item) => Buffer.from(item, 'base64'))]);
}

function details(socket: RemoteSocket): SocketDetails {
  return { id: socket.id, handshake: socket.handshake, rooms: [...socket.rooms], data: socket.data };
}

async function applyOp(sockets: RemoteSocket[], op: SocketOp): Promise<void> {
  if (op.type === 'join') await Promise.all(sockets.map((socket) => socket.join(op.rooms)));
  else if (op.type === 'leave') for (const socket of sockets) for (const room of op.rooms) socket.leave(room);
  else for (const socket of sockets) socket.disconnect(op.close);
}

/** Sends `[event, ...args]` with an ack to each socket; resolves with the acks once all came, or after `timeoutMs` with those that did. */
export function collectAcks(
  sockets: readonly RemoteSocket[],
  event: string,
  args: readonly unknown[],
  timeoutMs: number,
): Promise<AckAnswer> {
  return new Promise((resolve) => {
    const responses: unknown[] = [];
    let pending = sockets.length;
    if (pending === 0) {
      resolve({ responses, missing: 0 });
      return;
    }
    const timer = setTimeout(() => {
      pending = -pending;
      resolve({ responses: [...responses], missing: -pending });
    }, timeoutMs);
    timer.unref();
    for (const socket of sockets) {
      socket.emit(event, ...args, (...reply: unknown[]) => {
        if (pending <= 0) return;
        responses.push(reply[0]);
        if (--pending === 0) {
          clearTimeout(timer);
          resolve({ responses, missing: 0 });
        }
      });
    }
  });
}

/** `nsp.serverSideEmit(event, ...args)`: to every other node, with `(error, responses)` when the last argument is a function. */
export function serverSideEmit(server: FrontEnd, nsp: string, event: string, args: unknown[]): boolean {
  checkServerSideEvent(event);
  const last = args[args.length - 1];
  if (typeof last !== 'function') {
    server.clusterOps.serverSideEmit(nsp, [event, ...args]).catch((error: unknown) => server.reportError(error, 'serverSideEmit'));
    return true;
  }
  const callback = last as (error: Error | null, responses: unknown[]) => void;
  server.clusterOps.serverSideEmitWithAck(nsp, [event, ...args.slice(0, -1)]).then(
    (responses) => callback(null, responses),
    (error: Error) => callback(error, []),
  );
  return true;
}

/** `nsp.serverSideEmitWithAck(event, ...args)`: one answer per other node. */
export function serverSideEmitWithAck(server: FrontEnd, nsp: string, event: string, args: unknown[]): Promise<unknown[]> {
  try {
    checkServerSideEvent(event);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  return server.clusterOps.serverSideEmitWithAck(nsp, [event, ...args]);
}

function checkServerSideEvent(event: string): void {
  if (RESERVED_EVENTS.has(event) || event === 'connection') throw new Error(`"${event}" is a reserved event name`);
}

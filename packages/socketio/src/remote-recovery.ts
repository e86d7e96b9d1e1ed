/**
 * @module remote-recovery
 * Connection state recovery on another node: a client cut off from node A comes back to node B
 * with its `pid` and its last offset. B, which does not know the pid, asks the other nodes
 * whether they hold that socket (`claim`: A answers with its id, rooms and data; socket.io-client
 * counts a socket as recovered only when its pid stays the same, so it is kept), builds the socket (same id, pid and data, its
 * relais connection, its rooms' channel subscriptions) while holding the events that reach it,
 * then asks A to hand it over (`take`): A's socket leaves, and A answers with the events the
 * client missed. B sends those, then the held ones A did not have, then goes live.
 *
 * Exactly once: B subscribes before A leaves, so no event falls between them; an event both got
 * is told apart by its key: a room publication by its channel position (namespaces with history
 * give publications offsets), a cluster broadcast by its id. With history, B also reads each
 * room's history since the last publication A got (A may read a publication only after it
 * answered `take`: its data and control connections are read separately). Without history on
 * the rooms' namespace, a room event published during the hand-over itself may reach the client twice.
 */
import type { StreamPosition } from '@relais/protocol';
import type { Relais } from '@relais/server';
import { RESERVED_EVENTS } from './parser.js';
import { dataToArgs } from './room-channels.js';
import type { Handshake } from './handshake.js';
import type { KeptEvent } from './recovery.js';
import type { ConnectionLink } from './roles.js';
import type { Socket } from './socket.js';

/** What a namespace gives the hand-over (Namespace implements it). */
export interface HandoverNamespace {
  readonly name: string;
  /** The cut-off socket kept for `pid` on this node. */
  suspendedSocket(pid: string): Socket | undefined;
  /**
   * A socket with `id`, `pid` and `data` on `connection`, its events held: after the middlewares (unless
   * skipMiddlewares), its relais connection open, registered so that broadcasts reach it.
   * Undefined when a middleware or the node refused it, or the client left meanwhile.
   */
  adopt(
    id: string,
    pid: string,
    data: Record<string, unknown>,
    connection: ConnectionLink,
    handshake: Handshake,
  ): Promise<Socket | undefined>;
  joinRoom(socket: Socket, room: string): Promise<void> | void;
  /** The socket leaves (a failed hand-over). */
  remove(socket: Socket): void;
  /** The hand-over completed: `connection` listeners run. */
  announce(socket: Socket): void;
}

/** What the node that held a socket hands over: the events its client missed, and the last position it got on each room channel. */
interface Taken {
  events: KeptEvent[];
  positions: Record<string, StreamPosition>;
}

interface Claim {
  id: string;
  rooms: string[];
  data: Record<string, unknown>;
}

export class RecoveryHandover {
  readonly #relais: Relais;
  readonly #types: { claim: string; take: string };
  readonly #disposers: Array<() => void>;
  /** Longest this node waits for the node that held a socket (the `requestsTimeout` option), in ms. */
  readonly #timeoutMs: number;

  /** Answers other nodes' claims on this node's cut-off sockets of the Socket.IO server on `path`; waits `timeoutMs` for theirs. */
  constructor(relais: Relais, path: string, namespace: (name: string) => HandoverNamespace | undefined, timeoutMs: number) {
    this.#relais = relais;
    this.#timeoutMs = timeoutMs;
    this.#types = { claim: `socketio.recover-claim:${path}`, take: `socketio.recover-take:${path}` };
    const socketOf = (body: unknown): Socket | undefined => {
      const { nsp, pid } = body as { nsp: unknown; pid: unknown };
      return typeof nsp === 'string' && typeof pid === 'string' ? namespace(nsp)?.suspendedSocket(pid) : undefined;
    };
    this.#disposers = [
      relais.cluster.handle(this.#types.claim, (body): Claim | null => {
        const socket = socketOf(body);
        if (!socket?.canResume((body as { offset: unknown }).offset)) return null;
        return { id: socket.id, rooms: [...socket.rooms], data: socket.data };
      }),
      relais.cluster.handle(
        this.#types.take,
        (body): Taken | null => socketOf(body)?.handOver((body as { offset: unknown }).offset) ?? null,
      ),
    ];
  }

  /** Recovers the socket `pid` held by another node onto `connection`; resolves undefined when none can (a new session then). */
  async recoverFrom(
    nsp: HandoverNamespace,
    pid: string,
    offset: unknown,
    connection: ConnectionLink,
    handshake: Handshake,
  ): Promise<Socket | undefined> {
    const body = { nsp: nsp.name, pid, offset };
    const { nodeId } = this.#relais.cluster;
    const others = this.#relais.cluster.nodes().filter((node) => node.id !== nodeId);
    const claims = await Promise.all(
      others.map(async ({ id }) => ({ owner: id, claim: (await this.#ask(id, this.#types.claim, body)) as Claim | null })),
    );
    const { owner, claim } = claims.find((answer) => answer.claim !== null) ?? {};
    if (!owner || !claim) return undefined;
    const socket = await nsp.adopt(claim.id, pid, claim.data, connection, handshake);
    if (!socket) return undefined;
    await Promise.all(claim.rooms.map((room) => nsp.joinRoom(socket, room)));
    const taken = (await this.#ask(owner, this.#types.take, body)) as Taken | null;
    const between = taken ? await this.#between(taken) : [];
    if (!taken || connection.engine.state !== 'open') {
      nsp.remove(socket);
      socket.link?.end();
      return undefined;
    }
    socket.completeHandOver([...taken.events, ...between]);
    nsp.announce(socket);
    return socket;
  }

  close(): void {
    for (const dispose of this.#disposers) dispose();
  }

  /**
   * Room publications after the last one the other node got, from each room's history
   * (namespaces with history; none without), in order: they include those neither node got
   * (published before this node's subscription, read by the other node only after it handed the
   * socket over); those also held here are sent once (completeHandOver leaves them out).
   */
  async #between(taken: Taken): Promise<KeptEvent[]> {
    // Held events are not left out here but after (completeHandOver): history keeps their order.
    const known = new Set(taken.events.flatMap((event) => (event.key === undefined ? [] : [event.key])));
    const missed: KeptEvent[] = [];
    for (const [channel, since] of Object.entries(taken.positions)) {
      const history = await this.#relais.history(channel, { since }).catch(() => undefined);
      for (const pub of history?.publications ?? []) {
        const key = `c:${channel}:${pub.epoch ?? since.epoch}:${pub.offset}`;
        const name = pub.event ?? 'message';
        if (!known.has(key) && !RESERVED_EVENTS.has(name)) missed.push({ data: [name, ...dataToArgs(pub.data)], key });
      }
    }
    return missed;
  }

  #ask(owner: string, type: string, body: unknown): Promise<unknown> {
    return this.#relais.cluster.request(owner, type, body, this.#timeoutMs).catch(() => null);
  }
}

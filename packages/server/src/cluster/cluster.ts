/**
 * @module cluster/cluster
 * This node's place in the cluster, over a ControlLink: the nodes alive (each heartbeats its
 * info), one-way messages to a node or to all, and questions answered by one node or by every
 * node (`request`, `gather`). The server API uses it to reach connections held by other nodes.
 */
import type { Logger } from '../logger.js';
import type { ControlLink } from './control-link.js';

/** What a node says of itself in its heartbeats. */
export interface NodeInfo {
  id: string;
  /** When the node started, in ms since the epoch. */
  startedAt: number;
  /** The rest is the node's own (version, counts…); JSON values. */
  [key: string]: unknown;
}

/** Answers a message of one type; what it returns (or resolves) is the reply to a request. */
export type ControlHandler = (body: unknown, from: string) => unknown;

/** A node's answer to `gather`: its result, or why there is none. */
export type GatherReply = { node: string; result: unknown } | { node: string; error: ClusterError };

/** A control request that failed: the handler threw, no handler, or no answer in time. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  /** A code the handler gave (e.g. a protocol error code), when it gave one. */
  readonly code: number | undefined;
  /** True when trying again may work (timeout, node gone). */
  readonly temporary: boolean;

  constructor(message: string, code?: number, temporary = false) {
    super(message);
    this.code = code;
    this.temporary = temporary;
  }
}

export interface ClusterOptions {
  nodeId: string;
  /** How often this node tells the others it is alive, in ms; a node silent for 3 of them is gone. */
  heartbeatMs: number;
  /** This node's info, read at every heartbeat. */
  info: () => NodeInfo;
  logger: Logger;
}

type Envelope =
  | { k: 'h'; from: string; info: NodeInfo; ask?: true }
  | { k: 'm'; from: string; type: string; body: unknown }
  | { k: 'q'; from: string; id: number; type: string; body: unknown }
  | { k: 'r'; from: string; id: number; body?: unknown; error?: { message: string; code?: number; temporary?: boolean } };

interface Pending {
  resolve(body: unknown): void;
  reject(error: ClusterError): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The codes a handler's error may carry across nodes. */
function errorOf(error: unknown): { message: string; code?: number; temporary?: boolean } {
  const { message, code, temporary } = error as { message?: unknown; code?: unknown; temporary?: unknown };
  const out: { message: string; code?: number; temporary?: boolean } = { message: typeof message === 'string' ? message : String(error) };
  if (typeof code === 'number') out.code = code;
  if (temporary === true) out.temporary = true;
  return out;
}

export class Cluster {
  readonly nodeId: string;
  readonly #link: ControlLink;
  readonly #options: ClusterOptions;
  readonly #handlers = new Map<string, ControlHandler>();
  readonly #pending = new Map<number, Pending>();
  /** Other nodes by id: their last info and when it came. */
  readonly #peers = new Map<string, { info: NodeInfo; seenAt: number }>();
  #nextId = 1;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #state: 'new' | 'running' | 'closed' = 'new';

  constructor(link: ControlLink, options: ClusterOptions) {
    this.nodeId = options.nodeId;
    this.#link = link;
    this.#options = options;
  }

  /** Joins the cluster: starts the link, says hello (asking the others to answer), then heartbeats. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new Error('Cluster already started');
    await this.#link.start(this.nodeId, (message) => this.#receive(message));
    this.#state = 'running';
    await this.#sendHeartbeat(true);
    this.#heartbeat = setInterval(() => void this.#sendHeartbeat(false), this.#options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Answers messages and requests of `type`; one handler per type. Returns a disposer. */
  handle(type: string, handler: ControlHandler): () => void {
    if (this.#handlers.has(type)) throw new Error(`control messages of type ${type} already have a handler`);
    this.#handlers.set(type, handler);
    return () => {
      if (this.#handlers.get(type) === handler) this.#handlers.delete(type);
    };
  }

  /** The nodes alive, this one first, each with its last heartbeat's info. */
  nodes(): NodeInfo[] {
    const expired = Date.now() - 3 * this.#options.heartbeatMs;
    const others: NodeInfo[] = [];
    for (const [id, peer] of this.#peers) {
      if (peer.seenAt < expired) this.#peers.delete(id);
      else others.push(peer.info);
    }
    return [this.#options.info(), ...others.sort((a, b) => a.id.localeCompare(b.id))];
  }

  /** Sends a one-way message of `type` to node `to`, or to every node (this one too) when undefined. */
  async send(to: string | undefined, type: string, body: unknown): Promise<void> {
    await this.#post(to, { k: 'm', from: this.nodeId, type, body });
  }

  /**
   * Asks node `to` and resolves with what its handler returned. Rejects with a ClusterError when
   * the handler threw (with its code), when `to` has no such handler, or after `timeoutMs`.
   */
  request(to: string, type: string, body: unknown, timeoutMs: number): Promise<unknown> {
    if (to === this.nodeId) return this.#answer(type, body, this.nodeId);
    const id = this.#nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new ClusterError(`node ${to} did not answer ${type} within ${timeoutMs} ms`, undefined, true));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#post(to, { k: 'q', from: this.nodeId, id, type, body }).catch((error: unknown) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new ClusterError(`cannot reach node ${to}: ${errorOf(error).message}`, undefined, true));
      });
    });
  }

  /** Asks every node alive (this one included) and resolves with each one's reply, in `nodes()` order. */
  gather(type: string, body: unknown, timeoutMs: number): Promise<GatherReply[]> {
    return Promise.all(
      this.nodes().map(({ id }) =>
        this.request(id, type, body, timeoutMs).then(
          (result): GatherReply => ({ node: id, result }),
          (error: unknown): GatherReply => ({
            node: id,
            error: error instanceof ClusterError ? error : new ClusterError(errorOf(error).message),
          }),
        ),
      ),
    );
  }

  /** Leaves the cluster: stops heartbeats, fails the requests still waiting, closes the link. Idempotent. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearInterval(this.#heartbeat);
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      this.#pending.delete(id);
      pending.reject(new ClusterError('the node is closing', undefined, true));
    }
    await this.#link.close();
  }

  async #post(to: string | undefined, envelope: Envelope): Promise<void> {
    if (this.#state !== 'running') throw new ClusterError('the cluster link is not running', undefined, true);
    await this.#link.send(to, JSON.stringify(envelope));
  }

  async #sendHeartbeat(ask: boolean): Promise<void> {
    const envelope: Envelope = { k: 'h', from: this.nodeId, info: this.#options.info() };
    if (ask) envelope.ask = true;
    try {
      await this.#post(undefined, envelope);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'cluster heartbeat not sent');
    }
  }

  async #answer(type: string, body: unknown, from: string): Promise<unknown> {
    const handler = this.#handlers.get(type);
    if (!handler) throw new ClusterError(`node ${this.nodeId} has no handler for ${type}`);
    try {
      return await handler(body, from);
    } catch (error) {
      const { message, code, temporary } = errorOf(error);
      throw new ClusterError(message, code, temporary);
    }
  }

  #receive(message: string): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(message) as Envelope;
    } catch {
      this.#options.logger.warn({ message: message.slice(0, 200) }, 'malformed cluster message dropped');
      return;
    }
    if (envelope.from === this.nodeId && envelope.k !== 'm') return;
    switch (envelope.k) {
      case 'h':
        this.#peers.set(envelope.from, { info: envelope.info, seenAt: Date.now() });
        if (envelope.ask) void this.#post(envelope.from, { k: 'h', from: this.nodeId, info: this.#options.info() }).catch(() => {});
        return;
      case 'm': {
        const handler = this.#handlers.get(envelope.type);
        if (!handler) return;
        Promise.resolve()
          .then(() => handler(envelope.body, envelope.from))
          .catch((error: unknown) => this.#options.logger.warn({ err: error, type: envelope.type }, 'cluster message handler failed'));
        return;
      }
      case 'q':
        void this.#answer(envelope.type, envelope.body, envelope.from).then(
          (body) => this.#post(envelope.from, { k: 'r', from: this.nodeId, id: envelope.id, body: body ?? null }).catch(() => {}),
          (error: unknown) =>
            this.#post(envelope.from, { k: 'r', from: this.nodeId, id: envelope.id, error: errorOf(error) }).catch(() => {}),
        );
        return;
      case 'r': {
        const pending = this.#pending.get(envelope.id);
        if (!pending) return;
        this.#pending.delete(envelope.id);
        clearTimeout(pending.timer);
        if (envelope.error) pending.reject(new ClusterError(envelope.error.message, envelope.error.code, envelope.error.temporary));
        else pending.resolve(envelope.body);
        return;
      }
      default:
        this.#options.logger.warn({ kind: (envelope as { k?: unknown }).k }, 'unknown cluster message dropped');
    }
  }
}

/**
 * @module engine/forwarding
 * No sticky sessions for polling: a session id names the node that holds the session, and a
 * polling request that lands on another node (behind a round-robin balancer) is forwarded to it
 * through the engine's cluster messages, its answer written back here. WebSocket upgrades that
 * land elsewhere are bridged (upgrade-forwarding).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { EngineSocket } from './engine-socket.js';
import { PayloadTooLargeError, PollingTransport, readBody, respond, type PostAnswer } from './polling.js';

/** The cluster role forwarding needs (relais.cluster plays it). */
export interface EngineCluster {
  readonly nodeId: string;
  handle(type: string, handler: (body: unknown, from: string) => unknown): () => void;
  request(to: string, type: string, body: unknown, timeoutMs: number): Promise<unknown>;
  send(to: string | undefined, type: string, body: unknown): Promise<void>;
}

const UNKNOWN_SID = { status: 400, body: JSON.stringify({ code: 1, message: 'Session ID unknown' }) };
const BAD_REQUEST = { status: 400, body: JSON.stringify({ code: 3, message: 'Bad request' }) };

export interface ForwardingOptions {
  /** Longest a forwarded poll may wait for packets (the owner pings within pingInterval). */
  pollTimeoutMs: number;
  maxPayloadBytes: number;
}

export class PollForwarding {
  readonly #cluster: EngineCluster;
  readonly #types: { get: string; post: string; abort: string };
  readonly #options: ForwardingOptions;
  readonly #disposers: Array<() => void>;
  /** Aborts of polls forwarded to this node, by session id. */
  readonly #aborts = new Map<string, () => void>();

  constructor(cluster: EngineCluster, path: string, find: (sid: string) => EngineSocket | undefined, options: ForwardingOptions) {
    this.#cluster = cluster;
    this.#options = options;
    this.#types = { get: `eio.get:${path}`, post: `eio.post:${path}`, abort: `eio.abort:${path}` };
    const polling = (sid: unknown): PollingTransport | undefined => {
      const transport = typeof sid === 'string' ? find(sid)?.transport : undefined;
      return transport instanceof PollingTransport ? transport : undefined;
    };
    this.#disposers = [
      cluster.handle(this.#types.get, (body) => {
        const { sid } = body as { sid: unknown };
        const transport = polling(sid);
        if (!transport) return find(sid as string) ? BAD_REQUEST : UNKNOWN_SID;
        return new Promise<PostAnswer>((resolve) => {
          transport.poll({
            respond: (status, text) => {
              this.#aborts.delete(sid as string);
              resolve({ status, body: text });
            },
            onAbort: (listener) => this.#aborts.set(sid as string, listener),
          });
        });
      }),
      cluster.handle(this.#types.post, (body) => {
        const { sid, payload } = body as { sid: unknown; payload: unknown };
        const transport = polling(sid);
        if (!transport || typeof payload !== 'string') return find(sid as string) ? BAD_REQUEST : UNKNOWN_SID;
        return transport.receive(payload);
      }),
      cluster.handle(this.#types.abort, (body) => {
        const { sid } = body as { sid: unknown };
        const abort = typeof sid === 'string' ? this.#aborts.get(sid) : undefined;
        this.#aborts.delete(sid as string);
        abort?.();
      }),
    ];
  }

  /** A new session id that names this node. */
  sessionId(random: string): string {
    return `${random}.${Buffer.from(this.#cluster.nodeId).toString('base64url')}`;
  }

  /** The node holding session `sid` when it is another one; undefined for this node or a foreign id. */
  ownerOf(sid: string): string | undefined {
    const dot = sid.lastIndexOf('.');
    if (dot < 0) return undefined;
    const owner = Buffer.from(sid.slice(dot + 1), 'base64url').toString();
    return owner === this.#cluster.nodeId || owner === '' ? undefined : owner;
  }

  /** Forwards a polling GET or POST to the node holding the session and writes its answer. */
  forward(req: IncomingMessage, res: ServerResponse, owner: string, sid: string, headers: OutgoingHttpHeaders): void {
    const answer = (reply: unknown): void => {
      const { status, body } = reply as PostAnswer;
      const type = status !== 200 ? 'application/json' : req.method === 'GET' ? 'text/plain; charset=UTF-8' : 'text/html';
      respond(res, status, { ...headers, 'Content-Type': type }, body);
    };
    const unreachable = (): void => answer(UNKNOWN_SID);
    if (req.method === 'GET') {
      // The client gave up on the poll: the owner closes the session, as for a poll of its own.
      res.once('close', () => {
        if (!res.writableEnded) void this.#cluster.send(owner, this.#types.abort, { sid }).catch(() => {});
      });
      this.#cluster.request(owner, this.#types.get, { sid }, this.#options.pollTimeoutMs).then(answer, unreachable);
      return;
    }
    if (req.method !== 'POST') {
      answer(BAD_REQUEST);
      return;
    }
    readBody(req, this.#options.maxPayloadBytes).then(
      (payload) => this.#cluster.request(owner, this.#types.post, { sid, payload }, this.#options.pollTimeoutMs).then(answer, unreachable),
      (error: Error) => {
        if (error instanceof PayloadTooLargeError) answer({ status: 413, body: JSON.stringify({ code: 3, message: 'Payload too large' }) });
      },
    );
  }

  close(): void {
    for (const dispose of this.#disposers) dispose();
    for (const abort of this.#aborts.values()) abort();
    this.#aborts.clear();
  }
}

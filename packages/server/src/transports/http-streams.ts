/**
 * @module transports/http-streams
 * Connections over plain HTTP, for networks that break WebSockets (protocol.md §1, "HTTP
 * transports"): `GET /connection/sse` (Server-Sent Events) and `POST /connection/http_stream`
 * (a chunked response of newline-separated JSON frames) carry server → client; the client's
 * commands go by `POST /connection/emulation` with the stream's session id. That id names the
 * node holding the stream, so an emulation request that lands on another node behind a plain
 * round-robin balancer is forwarded to it through the cluster: no sticky sessions. For clients
 * that can stream neither way, `POST /connection/long_poll` opens a long-polling session and
 * `POST /connection/poll` takes what is queued (forwarded the same way).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddress } from '../auth/client-address.js';
import { originAllowed } from '../auth/origin.js';
import { ClusterError, type Cluster } from '../cluster/cluster.js';
import { BodyTooLarge, readBody } from '../http-body.js';
import { adoptSocket } from '../http.js';
import type { HttpRoute } from '../http-routes.js';
import type { Logger } from '../logger.js';
import type { RefusalReason } from '../metrics/metrics.js';
import type { Transport, TransportInfo } from '../transport.js';
import { admit, type AdmissionRules } from './admission.js';
import { HttpStreamTransport, sseEvent, type StreamKind } from './http-stream-transport.js';
import { LongPollTransport, type PollAnswer } from './long-poll-transport.js';
import type { TransportPeer } from './ws.js';
import { applicationHeaders } from './ws.js';

export const SSE_PATH = '/connection/sse';
export const HTTP_STREAM_PATH = '/connection/http_stream';
export const EMULATION_PATH = '/connection/emulation';
export const LONG_POLL_PATH = '/connection/long_poll';
export const POLL_PATH = '/connection/poll';
/** The cluster message that carries a poll to the node holding the session. */
export const POLL_MESSAGE = 'transport.poll';
/** How long a poll waits for frames before it answers empty, in ms (below common proxy timeouts). */
export const LONG_POLL_WAIT_MS = 25_000;
/** How long the last frames of an ended long-polling session wait for their poll, in ms. */
const ENDED_POLL_GRACE_MS = 30_000;
/** The request header (and SSE `session` event) carrying a stream's session id. */
export const SESSION_HEADER = 'x-relais-session';
/** The cluster message that carries an emulation request to the node holding the stream. */
export const EMULATION_MESSAGE = 'transport.emulation';

/** A peer the endpoint can follow to its end. */
export interface StreamPeer extends TransportPeer {
  onState(listener: (state: string) => void): () => void;
}

export interface HttpStreamsOptions {
  nodeId: string;
  /** Largest command body, in bytes (as a WebSocket message). */
  maxMessageBytes: number;
  trustedProxies: ReadonlySet<string> | undefined;
  admission: AdmissionRules;
  logger: Logger;
  metrics: { refused(reason: RefusalReason): void };
  isClosing(): boolean;
  accept(transport: Transport): StreamPeer | undefined;
  cluster: Pick<Cluster, 'request' | 'handle' | 'nodes'>;
  /** How long a forwarded emulation request waits for the stream's node, in ms. */
  forwardTimeoutMs: number;
  /** How long a poll waits for frames, in ms. @default LONG_POLL_WAIT_MS */
  pollWaitMs?: number;
}

interface Held {
  peer: StreamPeer;
  /** Set for a long-polling session: where its frames wait. */
  poll?: LongPollTransport;
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function answer404(res: ServerResponse): void {
  answer(res, 404, { error: 'unknown session' });
}

/** Headers of the HTTP transports' answers. */
const STREAM_HEADERS = { 'cache-control': 'no-store', 'x-accel-buffering': 'no' };

export class HttpStreams {
  readonly #options: HttpStreamsOptions;
  readonly #streams = new Map<string, Held>();
  readonly #pollWaitMs: number;

  constructor(options: HttpStreamsOptions) {
    this.#options = options;
    this.#pollWaitMs = options.pollWaitMs ?? LONG_POLL_WAIT_MS;
    options.cluster.handle(EMULATION_MESSAGE, (body) => {
      const { token, data } = body as { token: string; data: string };
      return this.#deliver(token, data);
    });
    options.cluster.handle(POLL_MESSAGE, (body) => this.#poll((body as { token: string }).token) ?? null);
  }

  /** Open streams on this node. */
  get size(): number {
    return this.#streams.size;
  }

  /** The routes to mount on the node's HTTP server. */
  routes(): HttpRoute[] {
    return [
      { path: SSE_PATH, request: (req, res) => this.#handle(req, res, 'GET', () => this.#openStream(req, res, 'sse')) },
      { path: HTTP_STREAM_PATH, request: (req, res) => this.#handle(req, res, 'POST', () => this.#openStream(req, res, 'http_stream')) },
      { path: EMULATION_PATH, request: (req, res) => this.#handle(req, res, 'POST', () => this.#emulate(req, res)) },
      { path: LONG_POLL_PATH, request: (req, res) => this.#handle(req, res, 'POST', () => this.#openStream(req, res, 'long_poll')) },
      { path: POLL_PATH, request: (req, res) => this.#handle(req, res, 'POST', () => this.#pollRequest(req, res)) },
    ];
  }

  /** CORS (the origin allow-list decides), the method, then `run`; never rejects. */
  async #handle(req: IncomingMessage, res: ServerResponse, method: 'GET' | 'POST', run: () => Promise<void>): Promise<boolean> {
    const origin = req.headers.origin;
    const allowed = this.#options.admission.allowedOrigins;
    const cors: Record<string, string> =
      origin !== undefined && (!allowed || originAllowed(origin, allowed))
        ? {
            'access-control-allow-origin': origin,
            'access-control-allow-credentials': 'true',
            'access-control-expose-headers': SESSION_HEADER,
            vary: 'Origin',
          }
        : {};
    for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': method,
        'access-control-allow-headers': `content-type, authorization, ${SESSION_HEADER}`,
        'access-control-max-age': '600',
      });
      res.end();
      return true;
    }
    if (req.method !== method) {
      answer(res, 405, { error: `use ${method}` }, { allow: `${method}, OPTIONS` });
      return true;
    }
    try {
      await run();
    } catch (error) {
      this.#options.logger.error({ err: error, path: req.url }, 'http transport request failed');
      if (!res.headersSent) answer(res, 500, { error: 'internal server error' });
      else res.destroy();
    }
    return true;
  }

  async #openStream(req: IncomingMessage, res: ServerResponse, kind: StreamKind | 'long_poll'): Promise<void> {
    const options = this.#options;
    if (options.isClosing()) {
      options.metrics.refused('closing');
      answer(res, 503, { error: 'relais node is shutting down' });
      return;
    }
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], options.trustedProxies);
    const refusal = admit(options.admission, req, address);
    if (refusal) {
      options.metrics.refused(refusal.reason);
      answer(res, refusal.status, { error: refusal.body });
      return;
    }
    // The first commands of an HTTP stream (connect, usually) come in its own body.
    let initial: Buffer | undefined;
    if (kind !== 'sse') {
      try {
        initial = await readBody(req, options.maxMessageBytes);
      } catch (error) {
        if (!(error instanceof BodyTooLarge)) throw error;
        answer(res, 413, { error: `the body is larger than ${options.maxMessageBytes} bytes (maxMessageBytes)` });
        return;
      }
    }
    const token = randomBytes(18).toString('base64url');
    const ref = `${options.nodeId}.${token}`;
    const info: TransportInfo = { name: kind, remoteAddress: address, headers: applicationHeaders(req.headers), url: req.url };
    if (kind === 'long_poll') {
      this.#openLongPoll(res, token, ref, info, initial);
      return;
    }
    res.writeHead(200, {
      ...STREAM_HEADERS,
      'content-type': kind === 'sse' ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      [SESSION_HEADER]: ref,
    });
    // SSE clients cannot read headers: the session id is the stream's first event.
    if (kind === 'sse') res.write(sseEvent(ref, 'session'));
    else res.flushHeaders();
    const transport = new HttpStreamTransport(res, kind, info);
    const peer = options.accept(transport);
    if (!peer) return;
    adoptSocket(res.socket!);
    this.#hold(token, { peer });
    // The peer went away (tab closed, network cut): the session ends with it.
    res.on('close', () => peer.handleClose(1006));
    if (initial !== undefined && initial.length > 0) peer.handleMessage(initial.toString('utf8'));
  }

  /** A long-polling session: the first commands run, and this request is its first poll. */
  #openLongPoll(res: ServerResponse, token: string, ref: string, info: TransportInfo, initial: Buffer | undefined): void {
    const poll = new LongPollTransport(info);
    const peer = this.#options.accept(poll);
    if (!peer) {
      // Refused (shutting down, full): the transport holds the disconnect push that says why.
      void this.#answerPoll(res, poll.poll(0), ref);
      return;
    }
    this.#hold(token, { peer, poll });
    if (initial === undefined || initial.length === 0) {
      // Nothing to answer yet: the session id, at once, so that the client sends its connect.
      void this.#answerPoll(res, poll.poll(0), ref, poll);
      return;
    }
    peer.handleMessage(initial.toString('utf8'));
    void this.#answerPoll(res, this.#poll(token)!, ref, poll);
  }

  #hold(token: string, held: Held): void {
    this.#streams.set(token, held);
    const stop = held.peer.onState((state) => {
      if (state !== 'closed') return;
      stop();
      // An ended long-polling session keeps its last frames (the disconnect push) for one poll.
      if (held.poll && !held.poll.finished) {
        setTimeout(() => this.#streams.delete(token), ENDED_POLL_GRACE_MS).unref();
        return;
      }
      this.#streams.delete(token);
    });
  }

  /** The next answer of long-polling session `token` of this node; undefined when there is none. */
  #poll(token: string): Promise<PollAnswer> | undefined {
    const held = this.#streams.get(token);
    if (!held?.poll) return undefined;
    const poll = held.poll;
    return poll.poll(this.#pollWaitMs).then((answer) => {
      if (answer.ended && this.#streams.get(token) === held) this.#streams.delete(token);
      return answer;
    });
  }

  async #answerPoll(res: ServerResponse, pending: Promise<PollAnswer>, ref?: string, from?: LongPollTransport): Promise<void> {
    const answer = await pending;
    if (res.destroyed) {
      // The client gave up on this poll: what it took waits for the next one.
      from?.giveBack(answer);
      return;
    }
    const { frames } = answer;
    const body = frames === '' ? '' : `${frames}\n`;
    const headers: Record<string, string | number> = {
      ...STREAM_HEADERS,
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    };
    if (ref !== undefined) headers[SESSION_HEADER] = ref;
    res.writeHead(200, headers);
    res.end(body);
  }

  async #pollRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = this.#target(req, res);
    if (!target) return;
    req.resume();
    const { node, token } = target;
    let answer: PollAnswer | null;
    try {
      answer =
        node === this.#options.nodeId
          ? ((await this.#poll(token)) ?? null)
          : ((await this.#options.cluster.request(
              node,
              POLL_MESSAGE,
              { token },
              this.#pollWaitMs + this.#options.forwardTimeoutMs,
            )) as PollAnswer | null);
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      this.#options.logger.debug({ err: error, node }, 'poll not forwarded');
      answer = null;
    }
    if (answer === null) {
      answer404(res);
      return;
    }
    await this.#answerPoll(
      res,
      Promise.resolve(answer),
      undefined,
      node === this.#options.nodeId ? this.#streams.get(token)?.poll : undefined,
    );
  }

  /** The node and token of the session a request names, or an answered 400/404. */
  #target(req: IncomingMessage, res: ServerResponse): { node: string; token: string } | undefined {
    const ref = req.headers[SESSION_HEADER];
    const dot = typeof ref === 'string' ? ref.lastIndexOf('.') : -1;
    if (typeof ref !== 'string' || dot <= 0) {
      answer(res, 400, { error: `the ${SESSION_HEADER} header must carry the session id of a stream` });
      return undefined;
    }
    const node = ref.slice(0, dot);
    if (node !== this.#options.nodeId && !this.#options.cluster.nodes().some(({ id }) => id === node)) {
      answer(res, 404, { error: 'unknown session: no such node in the cluster' });
      return undefined;
    }
    return { node, token: ref.slice(dot + 1) };
  }

  async #emulate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = this.#target(req, res);
    if (!target) return;
    let body: Buffer;
    try {
      body = await readBody(req, this.#options.maxMessageBytes);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      answer(res, 413, { error: `the body is larger than ${this.#options.maxMessageBytes} bytes (maxMessageBytes)` });
      return;
    }
    if (body.length === 0) {
      answer(res, 400, { error: 'the body must hold commands' });
      return;
    }
    const { node, token } = target;
    const data = body.toString('utf8');
    let delivered: unknown;
    try {
      delivered =
        node === this.#options.nodeId
          ? this.#deliver(token, data)
          : await this.#options.cluster.request(node, EMULATION_MESSAGE, { token, data }, this.#options.forwardTimeoutMs);
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      this.#options.logger.debug({ err: error, node }, 'emulation request not forwarded');
      answer(res, 404, { error: 'unknown session: its node is gone' });
      return;
    }
    if (delivered !== true) {
      answer(res, 404, { error: 'unknown session' });
      return;
    }
    res.writeHead(204, STREAM_HEADERS);
    res.end();
  }

  /** Hands `data` to the stream `token` of this node; false when there is none. */
  #deliver(token: string, data: string): boolean {
    const held = this.#streams.get(token);
    if (!held) return false;
    held.peer.handleMessage(data);
    return true;
  }
}

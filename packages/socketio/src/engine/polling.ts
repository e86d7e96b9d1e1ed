/**
 * @module engine/polling
 * The HTTP long-polling transport of one session: GET requests wait for packets, POST requests
 * carry the client's. At most one of each at a time: a second concurrent GET or POST is a
 * protocol error that closes the session.
 */
import { BodyTooLarge, readBody as readRequestBody } from '@relais/server';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { decodePayload, encodePayload, EngineProtocolError, type EnginePacket } from './packet.js';
import { NO_EVENTS, NO_TRAFFIC, type EngineTransport, type TransportEvents, type TransportTraffic } from './transport.js';

/** Where a poll's answer goes: an HTTP response here, or a node that forwarded the poll. */
export interface PollResponder {
  respond(status: number, body: string): void;
  /** Calls `listener` if the client gives up before the answer. */
  onAbort(listener: () => void): void;
}

/** What a POST's payload gets: `ok`, or an error status. */
export interface PostAnswer {
  status: number;
  body: string;
}

const BAD_REQUEST = JSON.stringify({ code: 3, message: 'Bad request' });

export interface PollingOptions {
  /** Largest POST body, in bytes. */
  maxPayloadBytes: number;
  /** Headers added to every response (CORS). */
  headers(req: IncomingMessage): OutgoingHttpHeaders;
  /** Counts the packets and body bytes of POSTs and poll answers. */
  traffic?: TransportTraffic;
}

export class PollingTransport implements EngineTransport {
  readonly name = 'polling';
  readonly bufferedBytes = 0;
  events: TransportEvents = NO_EVENTS;
  readonly #options: PollingOptions;
  #poll: PollResponder | undefined;
  #posting = false;
  #closed = false;

  constructor(options: PollingOptions) {
    this.#options = options;
  }

  get writable(): boolean {
    return this.#poll !== undefined;
  }

  /** A GET: waits for packets. A second one while one waits closes the session. */
  handleGet(req: IncomingMessage, res: ServerResponse): void {
    this.poll(httpResponder(req, res, this.#options.headers(req)));
  }

  /** A poll, from this node's HTTP server or forwarded by another node. */
  poll(poll: PollResponder): void {
    if (this.#poll || this.#closed) {
      poll.respond(400, BAD_REQUEST);
      this.events.onError('overlapping poll');
      return;
    }
    this.#poll = poll;
    // A poll the client gave up on (aborted, connection lost) ends the session, as in engine.io.
    poll.onAbort(() => {
      if (this.#poll !== poll) return;
      this.#poll = undefined;
      this.events.onError('poll closed by the client');
    });
    this.events.onWritable();
  }

  /** A POST's payload, from this node or forwarded by another: decoded and fed to the session. */
  receive(body: string): PostAnswer {
    if (this.#closed) return { status: 400, body: BAD_REQUEST };
    let packets: EnginePacket[];
    try {
      packets = decodePayload(body);
    } catch (error) {
      this.events.onError(error instanceof EngineProtocolError ? error.message : 'bad payload');
      return { status: 400, body: BAD_REQUEST };
    }
    (this.#options.traffic ?? NO_TRAFFIC).received(packets.length, Buffer.byteLength(body));
    // Fed after the answer is on its way: a close packet must not race the POST's own answer.
    queueMicrotask(() => this.events.onPackets(packets));
    return { status: 200, body: 'ok' };
  }

  /** A POST: the client's packets. Answers `ok`, 400 for a malformed payload, 413 past maxPayload. */
  handlePost(req: IncomingMessage, res: ServerResponse): void {
    const headers = this.#options.headers(req);
    if (this.#posting || this.#closed) {
      respond(res, 400, headers, JSON.stringify({ code: 3, message: 'Bad request' }));
      this.events.onError('overlapping post');
      return;
    }
    this.#posting = true;
    readBody(req, this.#options.maxPayloadBytes).then(
      (body) => {
        this.#posting = false;
        const answer = this.receive(body);
        respond(res, answer.status, answer.status === 200 ? { ...headers, 'Content-Type': 'text/html' } : headers, answer.body);
      },
      (error: Error) => {
        this.#posting = false;
        if (error instanceof PayloadTooLargeError) {
          respond(res, 413, { ...headers, Connection: 'close' }, JSON.stringify({ code: 3, message: 'Payload too large' }));
          res.once('finish', () => req.socket.destroy());
          this.events.onError('payload too large');
        } else {
          this.events.onError('post failed');
        }
      },
    );
  }

  send(packets: EnginePacket[]): void {
    const poll = this.#poll;
    if (!poll) throw new Error('no poll is waiting');
    this.#poll = undefined;
    const payload = encodePayload(packets);
    (this.#options.traffic ?? NO_TRAFFIC).sent(packets.length, Buffer.byteLength(payload));
    poll.respond(200, payload);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const poll = this.#poll;
    this.#poll = undefined;
    // A poll still waiting is released with a noop, so that the client's GET does not hang.
    if (poll) {
      (this.#options.traffic ?? NO_TRAFFIC).sent(1, 1);
      poll.respond(200, '6');
    }
    this.events.onClose('transport close');
  }
}

export class PayloadTooLargeError extends Error {}

/** A poll answered on this node's HTTP response. */
export function httpResponder(req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders): PollResponder {
  return {
    respond: (status, body) =>
      respond(res, status, status === 200 ? { ...headers, 'Content-Type': 'text/plain; charset=UTF-8' } : headers, body),
    onAbort: (listener) => res.once('close', () => !res.writableEnded && listener()),
  };
}

export function respond(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** The request body as UTF-8, rejecting with PayloadTooLargeError past `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return readRequestBody(req, maxBytes).then(
    (body) => body.toString('utf8'),
    (error: unknown) => {
      throw error instanceof BodyTooLarge ? new PayloadTooLargeError() : error;
    },
  );
}

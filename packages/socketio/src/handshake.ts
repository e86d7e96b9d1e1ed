/**
 * @module handshake
 * What a Socket.IO socket knows of the request that opened its connection (`socket.handshake`).
 */
import type { IncomingMessage } from 'node:http';

export interface Handshake {
  /** Request headers of the first request (lower-case names). */
  headers: IncomingMessage['headers'];
  /** When the connection opened, as `Date#toString()`. */
  time: string;
  /** The client's address (behind trusted proxies: from X-Forwarded-For). */
  address: string;
  /** Whether the request came from another origin (an Origin header was sent). */
  xdomain: boolean;
  /** Whether the request came over TLS. */
  secure: boolean;
  /** When the connection opened, in ms since the epoch. */
  issued: number;
  /** The request target of the first request. */
  url: string;
  /** The query parameters of the first request. */
  query: Record<string, string>;
  /**
   * The CONNECT packet's payload (`auth` in socket.io-client), `{}` without one.
   * Security: client data; check it before trusting it.
   */
  auth: Record<string, unknown>;
}

/** The handshake of a connection, without `auth` (which each namespace CONNECT brings). */
export function handshakeOf(req: IncomingMessage, address: string | undefined): Omit<Handshake, 'auth'> {
  const url = req.url ?? '/';
  const query = Object.fromEntries(new URL(url, 'http://x').searchParams);
  const now = new Date();
  return {
    headers: req.headers,
    time: now.toString(),
    address: address ?? req.socket.remoteAddress ?? '',
    xdomain: req.headers.origin !== undefined,
    secure: 'encrypted' in req.socket && req.socket.encrypted === true,
    issued: now.getTime(),
    url,
    query,
  };
}

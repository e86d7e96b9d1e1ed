/**
 * @module server-api
 * The argument types of the node's server API (`listen`, `publish`, `disconnect`, …), and its
 * wire constants.
 */
import type { HttpFallback } from './http.js';

export interface ListenOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Answers HTTP requests other than /health (e.g. static apps); without it they get 404. */
  fallback?: HttpFallback;
}

export interface ServerPublishOptions {
  event?: string;
  /** A client id that must not receive this publication. */
  excludeClient?: string;
  /** A retried publish with the same key within idempotencyTtlMs is delivered once. */
  idempotencyKey?: string;
  /** Deliver live only, even on a namespace with history: no offset, never recovered. */
  ephemeral?: boolean;
}

/** Which connections `disconnect` closes: one client, every connection of a user, or both (AND). */
export interface DisconnectTarget {
  client?: string;
  user?: string;
}

/** Code of the `unsubscribe` push sent when the server ends a subscription. */
export const SERVER_UNSUBSCRIBE_CODE = 2000;

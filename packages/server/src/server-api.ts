/**
 * @module server-api
 * The arguments of the node's server API (`listen`, `publish`, `disconnect`, …): their types,
 * their checks, and the wire constants.
 */
import { channelError } from '@relais/protocol';
import type { Publication } from './broker.js';
import { checkData, checkOptionalString } from './data-checks.js';
import type { HttpFallback } from './http.js';
import type { Hub, HubMember } from './hub.js';

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

/** Throws a TypeError for a channel name the protocol refuses. */
export function checkChannel(channel: string): void {
  const problem = channelError(channel);
  if (problem) throw new TypeError(`invalid channel: ${problem}`);
}

/**
 * The publication of a server `publish`, checked as client publications are: a TypeError for
 * a bad channel or option, or data not every subscriber could receive (docs/protocol.md §9).
 */
export function serverPublication(channel: string, data: unknown, options: ServerPublishOptions, maxDataDepth: number): Publication {
  checkChannel(channel);
  checkData('relais.publish', data, maxDataDepth, true);
  checkOptionalString('relais.publish: options.event', options.event);
  checkOptionalString('relais.publish: options.idempotencyKey', options.idempotencyKey);
  checkOptionalString('relais.publish: options.excludeClient', options.excludeClient);
  if (options.ephemeral && options.idempotencyKey !== undefined) throw new TypeError('an ephemeral publish cannot carry an idempotencyKey');
  const pub: Publication = { channel, data };
  if (options.event !== undefined) pub.event = options.event;
  if (options.excludeClient !== undefined) pub.excludeClient = options.excludeClient;
  return pub;
}

/** The connections of this node that `target` names (a client, a user's, or both: AND). */
export function targetedSessions<M extends HubMember>(hub: Hub<M>, target: DisconnectTarget): M[] {
  if (target.client !== undefined) {
    const session = hub.get(target.client);
    return session && (target.user === undefined || session.user === target.user) ? [session] : [];
  }
  if (target.user !== undefined) return [...hub.ofUser(target.user)];
  throw new TypeError('disconnect needs a client or a user');
}

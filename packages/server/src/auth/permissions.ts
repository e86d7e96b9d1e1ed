/**
 * @module auth/permissions
 * `checkAccess`: applies a channel's access rules (see auth/access) to one connection.
 */
import { ERROR_CODES, ReplyError } from '@relais/protocol';
import type { Channels, ChannelRules } from '../channels.js';
import { isChannelOwner, type AccessAction } from './access.js';
import { TokenRejectedError, type TokenClaims, type TokenVerifier } from './verifier.js';

/** What `checkAccess` needs from the node. */
export interface AccessNode {
  readonly channels: Channels;
  readonly auth: TokenVerifier | undefined;
}

/** What `checkAccess` needs from the connection. */
export interface AccessSubject {
  readonly user: string;
  /** The connection's client id (a subscription token's `client` claim must match it). */
  readonly client: string;
  /** Channels the connection holds. */
  readonly channels: { has(channel: string): boolean };
}

/** What a granted subscribe learned from its subscription token. */
export interface AccessGrant {
  rules: ChannelRules;
  /** Expiry of the subscription token (ms since the epoch), when `token` access verified one. */
  expiresAt?: number;
  claims?: TokenClaims;
}

function denied(message = 'permission denied'): ReplyError {
  return new ReplyError(ERROR_CODES.PERMISSION_DENIED, message);
}

async function checkToken(
  node: AccessNode,
  subject: AccessSubject,
  channel: string,
  token: string | undefined,
): Promise<{ expiresAt: number | undefined; claims: TokenClaims }> {
  if (token === undefined) throw denied('permission denied: subscription token required');
  try {
    const verified = await node.auth!.verify(token, { channel, user: subject.user, client: subject.client });
    return { expiresAt: verified.expiresAt, claims: verified.claims };
  } catch (error) {
    if (error instanceof TokenRejectedError && error.reason === 'expired') throw new ReplyError(ERROR_CODES.TOKEN_EXPIRED);
    throw denied('permission denied: invalid subscription token');
  }
}

/**
 * The part of `checkAccess` that needs no token: the channel's rules when `subject` may do
 * `action` on `channel`, or `'token'` when only a subscription token can decide (then call
 * `checkAccess`). Throws ReplyError 102 or 103 like it. Synchronous, for the publish path,
 * where a promise per publication is a cost of its own.
 */
export function accessRules(node: AccessNode, subject: AccessSubject, channel: string, action: AccessAction): ChannelRules | 'token' {
  const rules = node.channels.resolve(channel);
  switch (rules.access[action]) {
    case 'everyone':
      return rules;
    case 'authenticated':
      if (subject.user === '') throw denied('permission denied: authentication required');
      return rules;
    case 'owner':
      if (!isChannelOwner(channel, subject.user)) throw denied();
      return rules;
    case 'subscribers':
      if (!subject.channels.has(channel)) throw denied('permission denied: subscribe first');
      return rules;
    case 'token':
      if (!node.auth) throw denied();
      return 'token';
    default:
      throw denied();
  }
}

/**
 * Decides whether `subject` may do `action` on `channel`. Throws ReplyError 102 (namespace not
 * configured), 103 (permission denied) or 109 (subscription token expired: get a new one).
 * Resolves with the channel's rules and, for `token` access, the subscription token's expiry.
 * Changes nothing: callers act only once it resolved.
 * @example await checkAccess(node, session, 'chat:room-1', 'publish');
 */
export async function checkAccess(
  node: AccessNode,
  subject: AccessSubject,
  channel: string,
  action: AccessAction,
  token?: string,
): Promise<AccessGrant> {
  const rules = accessRules(node, subject, channel, action);
  if (rules !== 'token') return { rules };
  const resolved = node.channels.resolve(channel);
  const { expiresAt, claims } = await checkToken(node, subject, channel, token);
  const grant: AccessGrant = { rules: resolved, claims };
  if (expiresAt !== undefined) grant.expiresAt = expiresAt;
  return grant;
}

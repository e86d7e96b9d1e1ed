/**
 * @module auth/permissions
 * Who may subscribe to, publish on, see the presence of and read the history of a channel:
 * the per-namespace access rules and the one function that applies them, `checkAccess`.
 */
import { ERROR_CODES, ReplyError } from '@relais/protocol';
import type { Channels, ChannelRules } from '../channels.js';
import { OptionsError } from '../options.js';
import { TokenRejectedError, type TokenClaims, type TokenVerifier } from './verifier.js';

/**
 * Who may do an action on a namespace's channels:
 * - `everyone`: any connection, anonymous ones included;
 * - `authenticated`: connections with a user id (not '');
 * - `owner`: the users named after the channel's last `#`: `user:#42` is user 42's,
 *   `dm:#42,57` belongs to users 42 and 57;
 * - `token` (subscribe only): a subscription token (JWT with a `channel` claim equal to the
 *   channel and `sub` equal to the connection's user) must come with `subscribe`;
 * - `subscribers` (publish, presence, history): connections subscribed to the channel;
 * - `nobody`: no client; the server API still can.
 */
export type Access = 'everyone' | 'authenticated' | 'owner' | 'token' | 'subscribers' | 'nobody';

export type AccessAction = 'subscribe' | 'publish' | 'presence' | 'history';

/** Namespace option key of each action's access rule. */
export const ACCESS_KEYS = {
  subscribe: 'subscribeAccess',
  publish: 'publishAccess',
  presence: 'presenceAccess',
  history: 'historyAccess',
} as const satisfies Record<AccessAction, string>;

/** Defaults keep relais's open behaviour: anyone subscribes and publishes. */
export const DEFAULT_ACCESS: Readonly<Record<AccessAction, Access>> = {
  subscribe: 'everyone',
  publish: 'everyone',
  presence: 'subscribers',
  history: 'subscribers',
};

const ALLOWED: Readonly<Record<AccessAction, readonly Access[]>> = {
  subscribe: ['everyone', 'authenticated', 'owner', 'token', 'nobody'],
  publish: ['everyone', 'authenticated', 'owner', 'subscribers', 'nobody'],
  presence: ['everyone', 'authenticated', 'owner', 'subscribers', 'nobody'],
  history: ['everyone', 'authenticated', 'owner', 'subscribers', 'nobody'],
};

/** Access rules of a namespace, defaults applied. */
export type AccessRules = Readonly<Record<AccessAction, Access>>;

/**
 * Checks and resolves the access keys of one namespace (`where` names it in errors). The
 * legacy booleans map onto them: `clientSubscribe: false` is `subscribeAccess: 'nobody'`,
 * `clientPublish: false` is `publishAccess: 'nobody'`; both at once must agree.
 */
export function resolveAccess(where: string, ns: Record<string, unknown>, hasAuth: boolean): AccessRules {
  const rules = { ...DEFAULT_ACCESS };
  for (const [action, key] of Object.entries(ACCESS_KEYS) as [AccessAction, string][]) {
    const value = ns[key];
    if (value === undefined) continue;
    if (!(ALLOWED[action] as readonly unknown[]).includes(value)) {
      throw new OptionsError(`${where}.${key} must be one of ${ALLOWED[action].map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`);
    }
    rules[action] = value as Access;
  }
  if (rules.subscribe === 'token' && !hasAuth) {
    throw new OptionsError(`${where}.subscribeAccess 'token' needs option auth (the key that verifies subscription tokens)`);
  }
  for (const [flag, action] of [['clientSubscribe', 'subscribe'], ['clientPublish', 'publish']] as const) {
    if (ns[flag] !== false) continue;
    const key = ACCESS_KEYS[action];
    if (ns[key] !== undefined && ns[key] !== 'nobody') {
      throw new OptionsError(`${where}: ${flag}: false contradicts ${key}: ${JSON.stringify(ns[key])}`);
    }
    rules[action] = 'nobody';
  }
  return rules;
}

/** Whether `user` is one of the owners of a personal channel (`ns:#42` or `ns:#42,57`). */
export function isChannelOwner(channel: string, user: string): boolean {
  if (user === '') return false;
  const at = channel.lastIndexOf('#');
  if (at === -1) return false;
  return channel.slice(at + 1).split(',').includes(user);
}

/** What `checkAccess` needs from the node. */
export interface AccessNode {
  readonly channels: Channels;
  readonly auth: TokenVerifier | undefined;
}

/** What `checkAccess` needs from the connection. */
export interface AccessSubject {
  readonly user: string;
  /** Channels the connection holds. */
  readonly channels: ReadonlySet<string>;
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

async function checkToken(node: AccessNode, subject: AccessSubject, channel: string, token: string | undefined): Promise<{ expiresAt: number | undefined; claims: TokenClaims }> {
  if (token === undefined) throw denied('permission denied: subscription token required');
  try {
    const verified = await node.auth!.verify(token, { channel, user: subject.user });
    return { expiresAt: verified.expiresAt, claims: verified.claims };
  } catch (error) {
    if (error instanceof TokenRejectedError && error.reason === 'expired') throw new ReplyError(ERROR_CODES.TOKEN_EXPIRED);
    throw denied('permission denied: invalid subscription token');
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
  const rules = node.channels.resolve(channel);
  const access = rules.access[action];
  switch (access) {
    case 'everyone':
      return { rules };
    case 'authenticated':
      if (subject.user === '') throw denied('permission denied: authentication required');
      return { rules };
    case 'owner':
      if (!isChannelOwner(channel, subject.user)) throw denied();
      return { rules };
    case 'subscribers':
      if (!subject.channels.has(channel)) throw denied('permission denied: subscribe first');
      return { rules };
    case 'token': {
      if (!node.auth) throw denied();
      const { expiresAt, claims } = await checkToken(node, subject, channel, token);
      const grant: AccessGrant = { rules, claims };
      if (expiresAt !== undefined) grant.expiresAt = expiresAt;
      return grant;
    }
    default:
      throw denied();
  }
}

/**
 * @module auth/access
 * The per-namespace access rules (who may subscribe, publish, see presence, read history),
 * their parsing from namespace options, and channel ownership (`user:#42`).
 */
import { OptionsError } from '../option-checks.js';

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
      throw new OptionsError(
        `${where}.${key} must be one of ${ALLOWED[action].map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value)}`,
      );
    }
    rules[action] = value as Access;
  }
  if (rules.subscribe === 'token' && !hasAuth) {
    throw new OptionsError(`${where}.subscribeAccess 'token' needs option auth (the key that verifies subscription tokens)`);
  }
  for (const [flag, action] of [
    ['clientSubscribe', 'subscribe'],
    ['clientPublish', 'publish'],
  ] as const) {
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
  return channel
    .slice(at + 1)
    .split(',')
    .includes(user);
}

/**
 * @module auth/connect-auth
 * Connection-token checks of `connect` and `refresh`, and the expiry that follows from them.
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES, ReplyError, channelError } from '@relais/protocol';
import type { CommandSession, NodeServices } from '../commands/context.js';
import { identityError } from '../data-checks.js';
import type { RefreshHookResult } from '../events.js';
import type { TransportInfo } from '../transport.js';
import { TokenRejectedError, type VerifiedToken } from './verifier.js';

/** The `token` query parameter of the upgrade URL, if any. */
export function queryToken(transport: TransportInfo): string | undefined {
  if (transport.url === undefined || !transport.url.includes('?')) return undefined;
  const token = new URL(transport.url, 'http://relais.invalid').searchParams.get('token');
  return token === null || token === '' ? undefined : token;
}

/**
 * Verifies the token of a `connect` (params, else the `?token=` of the upgrade). Resolves
 * undefined when the node has no `auth` option, or for an allowed anonymous connection.
 * Throws Disconnect 3500 for a missing or invalid token, ReplyError 109 for an expired one.
 */
export async function authenticate(
  node: NodeServices,
  session: CommandSession,
  token: string | undefined,
): Promise<VerifiedToken | undefined> {
  const auth = node.auth;
  if (!auth) return undefined;
  const given = token ?? (auth.options.queryToken ? queryToken(session.transport) : undefined);
  if (given === undefined) {
    if (auth.options.allowAnonymous) return undefined;
    throw new Disconnect(DISCONNECT_CODES.INVALID_TOKEN, 'invalid token: token required');
  }
  try {
    return await auth.verify(given);
  } catch (error) {
    node.logger.debug({ err: error, client: session.client }, 'connection token refused');
    if (error instanceof TokenRejectedError && error.reason === 'expired') throw new ReplyError(ERROR_CODES.TOKEN_EXPIRED);
    throw new Disconnect(DISCONNECT_CODES.INVALID_TOKEN);
  }
}

/** What a connection token grants besides its user: Centrifugo-style `info` and `channels` claims. */
export interface TokenGrants {
  info?: unknown;
  channels?: string[];
}

/**
 * The `info` claim (connection info attached to the client's publications and presence) and the
 * `channels` claim (server-side subscriptions made at connect) of a verified connection token.
 * The backend signed them, so they are trusted like an onConnecting hook's result; a malformed
 * one refuses the token (Disconnect 3500 with the reason).
 */
export function tokenGrants(verified: VerifiedToken | undefined, maxDataDepth: number): TokenGrants {
  if (!verified) return {};
  const { info, channels } = verified.claims;
  const grants: TokenGrants = {};
  if (info !== undefined) {
    const problem = identityError(verified.user, info, maxDataDepth);
    if (problem) throw new Disconnect(DISCONNECT_CODES.INVALID_TOKEN, `invalid token: ${problem}`);
    grants.info = info;
  }
  if (channels !== undefined) {
    if (!Array.isArray(channels) || channels.some((channel) => typeof channel !== 'string' || channelError(channel) !== undefined)) {
      throw new Disconnect(DISCONNECT_CODES.INVALID_TOKEN, 'invalid token: channels claim must be an array of channel names');
    }
    grants.channels = channels as string[];
  }
  return grants;
}

/** How long after a failed onRefresh hook (a backend down) the node asks again, in ms. */
export const REFRESH_RETRY_MS = 10_000;

export type RefreshNode = Pick<NodeServices, 'hooks' | 'logger'>;

/**
 * When `expiresAt` passes without a client `refresh`: closes the session with 3005, or, with
 * onRefresh hooks, asks them for a new deadline (see RefreshHook).
 */
export function watchExpiry(session: CommandSession, expiresAt: number | undefined, node: RefreshNode): void {
  session.auth.watchConnection(expiresAt, () => void expire(session, node));
}

async function expire(session: CommandSession, node: RefreshNode): Promise<void> {
  const hooks = node.hooks.refresh.list();
  if (hooks.length === 0) {
    // Nobody to ask: closed in the timer's own turn.
    session.close(DISCONNECT_CODES.EXPIRED);
    return;
  }
  const next = await askRefreshHooks(hooks, { client: session.details() }, node.logger, session.client);
  if (next === 'retry') watchExpiry(session, session.auth.now() + REFRESH_RETRY_MS, node);
  else if (next instanceof Disconnect) session.close(next.code, next.reason);
  else if (next === 'expired' || (next.expiresAt !== undefined && next.expiresAt <= session.auth.now()))
    session.close(DISCONNECT_CODES.EXPIRED);
  else watchExpiry(session, next.expiresAt, node);
}

/**
 * Runs refresh hooks in order (each result merged over the previous): what they decided, a
 * Disconnect one threw, `expired` when there are none or they gave nothing, or `retry` when one
 * failed otherwise (logged).
 */
export async function askRefreshHooks<E>(
  hooks: readonly ((event: E) => RefreshHookResult | void | Promise<RefreshHookResult | void>)[],
  event: E,
  logger: NodeServices['logger'],
  client: string,
): Promise<RefreshHookResult | Disconnect | 'expired' | 'retry'> {
  let next: RefreshHookResult | undefined;
  try {
    for (const hook of hooks) {
      const result = await hook(event);
      if (result) next = { ...next, ...result };
    }
  } catch (error) {
    if (error instanceof Disconnect) return error;
    logger.warn({ err: error, client }, `refresh hook failed; asking again in ${REFRESH_RETRY_MS} ms`);
    return 'retry';
  }
  return !next || next.expired ? 'expired' : next;
}

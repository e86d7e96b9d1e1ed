/**
 * @module auth/connect-auth
 * Connection-token checks of `connect` and `refresh`, and the expiry that follows from them.
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES, ReplyError, channelError } from '@relais/protocol';
import type { CommandSession, NodeServices } from '../commands/context.js';
import { identityError } from '../data-checks.js';
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

/** Closes the session with 3005 when `expiresAt` passes without a `refresh`. */
export function watchExpiry(session: CommandSession, expiresAt: number | undefined): void {
  session.auth.watchConnection(expiresAt, () => session.close(DISCONNECT_CODES.EXPIRED));
}

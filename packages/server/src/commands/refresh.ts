/**
 * @module commands/refresh
 * `refresh`: a new connection token before the current one expires. The new token must verify
 * and name the same user; then its claims replace the old ones and its `exp` becomes the
 * connection's deadline. A refused refresh closes the connection with 3500 (invalid token).
 * Without option `auth` there is nothing to refresh: 108.
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES, ReplyError, type RefreshResult } from '@relais/protocol';
import { watchExpiry } from '../auth/connect-auth.js';
import type { CommandHandler } from './context.js';

export const handleRefresh: CommandHandler<'refresh'> = async (session, params, node) => {
  if (!node.auth) throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, 'this node does not verify tokens');
  let verified;
  try {
    verified = await node.auth.verify(params.token);
  } catch (error) {
    node.logger.debug({ err: error, client: session.client }, 'refresh token refused');
    throw new Disconnect(DISCONNECT_CODES.INVALID_TOKEN);
  }
  if (verified.user !== session.user) throw new Disconnect(DISCONNECT_CODES.INVALID_TOKEN, 'invalid token: another user');
  session.auth.claims = verified.claims;
  watchExpiry(session, verified.expiresAt, node);
  const result: RefreshResult = {};
  if (verified.expiresAt !== undefined) result.expiresInMs = session.auth.remainingMs(verified.expiresAt);
  return { result };
};

/**
 * @module commands/sub-refresh
 * `sub_refresh`: a new subscription token for a channel held with one. 113 when the channel is
 * not held, 107 when it was not subscribed with a token, 109 when the new token already
 * expired, 103 when it does not verify (wrong channel, user, signature, …). A refused refresh
 * changes nothing: the subscription lasts until its current token expires.
 */
import { ERROR_CODES, ReplyError, type RefreshResult } from '@relais/protocol';
import { checkAccess } from '../auth/permissions.js';
import type { CommandHandler } from './context.js';

export const handleSubRefresh: CommandHandler<'sub_refresh'> = async (session, params, node) => {
  const { channel, token } = params;
  if (!session.channels.has(channel)) throw new ReplyError(ERROR_CODES.NOT_SUBSCRIBED);
  if (!session.channels.hasToken(channel)) throw new ReplyError(ERROR_CODES.BAD_REQUEST, 'this subscription has no token to refresh');
  const grant = await checkAccess(node, session, channel, 'subscribe', token);
  // The subscription may have ended (expiry, unsubscribe) while the token was verified.
  if (!session.channels.hasToken(channel)) throw new ReplyError(ERROR_CODES.NOT_SUBSCRIBED);
  session.channels.watchToken(channel, grant.expiresAt);
  const result: RefreshResult = {};
  if (grant.expiresAt !== undefined) result.expiresInMs = session.auth.remainingMs(grant.expiresAt);
  return { result };
};

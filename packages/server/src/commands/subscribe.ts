/**
 * @module commands/subscribe
 * `subscribe`: duplicates (105), namespace access (102, 103, 109 for an expired subscription
 * token), the per-connection limit (106), onSubscribe hooks, then the broker subscription.
 * Delivery starts right after the reply.
 */
import { ERROR_CODES, ReplyError, type SubscribeResult } from '@relais/protocol';
import { checkAccess } from '../auth/permissions.js';
import type { SubscribeEvent } from '../events.js';
import { activateChannel, reserveChannel, watchChannelExpiry } from '../membership.js';
import type { Session } from '../session.js';
import type { CommandHandler, NodeServices } from './context.js';

function checkCanHold(session: Session, channel: string, node: NodeServices): void {
  if (session.channels.has(channel)) throw new ReplyError(ERROR_CODES.ALREADY_SUBSCRIBED);
  if (session.channels.size >= node.options.maxChannelsPerConnection) {
    throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, `at most ${node.options.maxChannelsPerConnection} channels per connection`);
  }
}

export const handleSubscribe: CommandHandler<'subscribe'> = async (session, params, node) => {
  const { channel } = params;
  const grant = await checkAccess(node, session, channel, 'subscribe', params.token);
  checkCanHold(session, channel, node);

  const event: SubscribeEvent = { client: session.details(), channel };
  if (params.data !== undefined) event.data = params.data;
  if (params.token !== undefined) event.token = params.token;
  if (grant.claims !== undefined) event.claims = grant.claims;
  const result: SubscribeResult = {};
  for (const hook of node.hooks.subscribe.list()) {
    const answer = await hook(event);
    if (answer && answer.data !== undefined) result.data = answer.data;
  }
  // Checked again: another subscribe of this connection may have won the race during hooks.
  checkCanHold(session, channel, node);
  await reserveChannel(node, session, channel);
  const withToken = grant.rules.access.subscribe === 'token';
  if (grant.expiresAt !== undefined) result.expiresInMs = session.auth.remainingMs(grant.expiresAt);
  return {
    result,
    afterReply: () => {
      if (withToken && session.channels.has(channel)) watchChannelExpiry(node, session, channel, grant.expiresAt);
      activateChannel(node, session, channel);
    },
  };
};

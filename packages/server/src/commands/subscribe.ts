/**
 * @module commands/subscribe
 * `subscribe`: duplicates (105), namespace access (102, 103, 109 for an expired subscription
 * token), join/leave availability (108), the per-connection limit (106), onSubscribe hooks, the
 * broker subscription, then on recoverable channels the stream position and, with `since`, the
 * missed publications, cut to one page (recovery/page: `more` for a client that pages, else
 * `recovered: false`). Delivery starts right after the reply.
 */
import { ERROR_CODES, ReplyError, type SubscribeParams, type SubscribeResult } from '@relais/protocol';
import { checkAccess } from '../auth/permissions.js';
import { watchSubscriptionDeadline } from '../auth/subscription-deadline.js';
import type { ChannelRules } from '../channels.js';
import { checkData } from '../data-checks.js';
import type { SubscribeEvent } from '../events.js';
import { pageRecovery } from '../recovery/page.js';
import { answerRecovery } from '../recovery/recover.js';
import type { CommandHandler, CommandSession, NodeServices } from './context.js';

function checkCanHold(session: CommandSession, channel: string, node: NodeServices): void {
  if (session.channels.has(channel)) throw new ReplyError(ERROR_CODES.ALREADY_SUBSCRIBED);
  if (session.channels.size >= node.options.maxChannelsPerConnection) {
    throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, `at most ${node.options.maxChannelsPerConnection} channels per connection`);
  }
}

/**
 * Reads the stream after the broker subscription: every publication accepted from here on is
 * held by the hub for this session, so replay + held (deduplicated by offset) has no gap.
 */
async function recover(
  node: NodeServices,
  params: SubscribeParams,
  rules: ChannelRules,
  result: SubscribeResult,
): Promise<number | undefined> {
  if (!rules.history) {
    if (params.since !== undefined) result.recovered = false;
    return undefined;
  }
  const history = await node.broker.history(params.channel, params.since ? { since: params.since } : { limit: 0 });
  const answer = answerRecovery(params.since, history);
  Object.assign(result, answer.result);
  return answer.deliveredUpTo;
}

export const handleSubscribe: CommandHandler<'subscribe'> = async (session, params, node) => {
  const { channel } = params;
  const grant = await checkAccess(node, session, channel, 'subscribe', params.token);
  const { rules } = grant;
  if (params.joinLeave && !rules.joinLeave) throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, 'join/leave is not enabled in this namespace');
  checkCanHold(session, channel, node);

  const event: SubscribeEvent = { client: session.details(), channel };
  if (params.data !== undefined) event.data = params.data;
  if (params.token !== undefined) event.token = params.token;
  if (grant.claims !== undefined) event.claims = grant.claims;
  const result: SubscribeResult = {};
  let deadline: number | undefined;
  for (const hook of node.hooks.subscribe.list()) {
    const answer = await hook(event);
    if (answer && answer.data !== undefined) result.data = answer.data;
    if (answer && answer.expiresAt !== undefined) deadline = answer.expiresAt;
  }
  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isFinite(deadline))) {
    throw new TypeError('onSubscribe hook returned an expiresAt that is not a time in ms');
  }
  checkData('onSubscribe hook returned data that cannot be sent', result.data, node.options.maxDataDepth, false);
  // Checked again: another subscribe of this connection may have won the race during hooks.
  checkCanHold(session, channel, node);
  await session.channels.reserve(channel);
  let deliveredUpTo: number | undefined;
  try {
    deliveredUpTo = await recover(node, params, rules, result);
  } catch (error) {
    session.channels.release(channel);
    throw error;
  }
  if (params.joinLeave) session.channels.wantJoinLeave(channel);
  const withToken = rules.access.subscribe === 'token';
  if (grant.expiresAt !== undefined) result.expiresInMs = session.auth.remainingMs(grant.expiresAt);
  return {
    result,
    fit: (queuedBytes) => pageRecovery(result, params.paged === true, session.codec, node.options, queuedBytes),
    afterReply: () => {
      // Counted once the page was cut: a recovery too large for the queue is not recovered.
      if (params.since !== undefined) node.metrics.recovery(channel, result.recovered === true);
      if (withToken) session.channels.watchToken(channel, grant.expiresAt);
      if (deadline !== undefined) watchSubscriptionDeadline(session, channel, deadline, node);
      session.channels.activate(channel, deliveredUpTo);
    },
    undo: () => session.channels.release(channel),
  };
};

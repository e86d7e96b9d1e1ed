/**
 * @module commands/access
 * Who may read a channel's history and presence: the namespace must enable the feature (108),
 * then its `historyAccess` / `presenceAccess` rule decides (auth/permissions). With the default
 * rule, `subscribers`, a connection that does not hold the channel gets 113 (not subscribed).
 */
import { ERROR_CODES, ReplyError } from '@relais/protocol';
import { checkAccess } from '../auth/permissions.js';
import type { ChannelRules } from '../channels.js';
import type { CommandSession, NodeServices } from './context.js';

export type ReadFeature = 'history' | 'presence';

/** Throws 102 (unknown namespace), 108 (feature off), 113 (not subscribed) or 103 (denied). */
export async function checkReadAccess(
  session: CommandSession,
  channel: string,
  feature: ReadFeature,
  node: NodeServices,
): Promise<ChannelRules> {
  const rules = node.channels.resolve(channel);
  const enabled = feature === 'history' ? rules.history !== undefined : rules.presence;
  if (!enabled) throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, `${feature} is not enabled in this namespace`);
  if (rules.access[feature] === 'subscribers' && !session.channels.has(channel)) throw new ReplyError(ERROR_CODES.NOT_SUBSCRIBED);
  await checkAccess(node, session, channel, feature);
  return rules;
}

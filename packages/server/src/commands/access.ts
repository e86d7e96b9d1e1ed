/**
 * @module commands/access
 * Who may read a channel's history and presence. For now: connections subscribed to the
 * channel, when its namespace enables the feature. Permission rules will replace the body of
 * `checkReadAccess` and nothing else.
 */
import { ERROR_CODES, ReplyError } from '@relais/protocol';
import type { ChannelRules } from '../channels.js';
import type { Session } from '../session.js';
import type { NodeServices } from './context.js';

export type ReadFeature = 'history' | 'presence';

/** Throws 102 (unknown namespace), 108 (feature off in the namespace) or 113 (not subscribed). */
export function checkReadAccess(session: Session, channel: string, feature: ReadFeature, node: NodeServices): ChannelRules {
  const rules = node.channels.resolve(channel);
  const enabled = feature === 'history' ? rules.history !== undefined : rules.presence;
  if (!enabled) throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, `${feature} is not enabled in this namespace`);
  if (!session.channels.has(channel)) throw new ReplyError(ERROR_CODES.NOT_SUBSCRIBED);
  return rules;
}

/**
 * @module commands/unsubscribe
 * `unsubscribe`: stops delivery at once; 113 when the connection does not hold the channel.
 */
import { ERROR_CODES, ReplyError } from '@relais/protocol';
import { releaseChannel } from '../membership.js';
import type { CommandHandler } from './context.js';

export const handleUnsubscribe: CommandHandler<'unsubscribe'> = async (session, params, node) => {
  if (!session.channels.has(params.channel)) throw new ReplyError(ERROR_CODES.NOT_SUBSCRIBED);
  releaseChannel(node, session, params.channel);
  return { result: {} };
};

/**
 * @module commands/unsubscribe
 * `unsubscribe`: stops delivery at once; 113 when the connection does not hold the channel.
 */
import { ERROR_CODES, ReplyError } from '@relais/protocol';
import type { CommandHandler } from './context.js';

export const handleUnsubscribe: CommandHandler<'unsubscribe'> = async (session, params) => {
  if (!session.channels.release(params.channel)) throw new ReplyError(ERROR_CODES.NOT_SUBSCRIBED);
  return { result: {} };
};

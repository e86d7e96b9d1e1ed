/**
 * @module commands/resume
 * `resume`: a connection that fell behind on a channel (a `behind` push, slowConsumer
 * 'catch-up') reads what it missed after `since`, one page per reply at its own pace, and is
 * live again once the rest fits in one reply. 113 when the channel is not held; a channel held
 * live answers no publications (nothing to catch up); 105 while another resume of it runs.
 */
import { ERROR_CODES, ReplyError, type ResumeResult } from '@relais/protocol';
import { pageHistory } from '../recovery/page.js';
import { answerRecovery } from '../recovery/recover.js';
import type { CommandHandler } from './context.js';

export const handleResume: CommandHandler<'resume'> = async (session, params, node) => {
  const { channel, since } = params;
  if (!session.channels.has(channel)) throw new ReplyError(ERROR_CODES.NOT_SUBSCRIBED);
  if (!node.channels.resolve(channel).history) throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, 'history is not enabled in this namespace');
  if (!session.channels.isBehind(channel)) {
    const { position } = await node.broker.history(channel, { limit: 0 });
    return { result: { publications: [], offset: position.offset, epoch: position.epoch, recovered: true } };
  }
  if (!session.channels.startResume(channel)) throw new ReplyError(ERROR_CODES.ALREADY_SUBSCRIBED, `a resume of ${channel} is in progress`);
  let result: ResumeResult;
  try {
    // Read after the hold started: what is published from here on is held, so the page read
    // now and the held publications after it leave no gap.
    const history = await node.broker.history(channel, { since });
    const { result: answer } = answerRecovery(since, history);
    result = {
      publications: answer.publications ?? [],
      offset: history.position.offset,
      epoch: history.position.epoch,
      recovered: answer.recovered === true,
    };
  } catch (error) {
    session.channels.stayBehind(channel);
    throw error;
  }
  const top = { offset: result.offset, epoch: result.epoch };
  return {
    result,
    fit: (queuedBytes) => pageHistory(result, session.codec, node.options, queuedBytes),
    afterReply: () => {
      if (result.more === true) session.channels.stayBehind(channel);
      else session.channels.resumed(channel, top);
    },
    undo: () => session.channels.stayBehind(channel),
  };
};

/**
 * @module commands/history
 * `history`: the kept publications of a channel and its current position (108, 113 from
 * checkReadAccess). A `since` of another epoch returns no publications: compare the epoch.
 * The reply is one page (recovery/page): `more: true` when publications were left out.
 */
import { ERROR_CODES, ReplyError, type HistoryParams, type HistoryResult } from '@relais/protocol';
import type { HistoryQuery } from '../broker.js';
import { pageHistory } from '../recovery/page.js';
import { publicationData } from '../recovery/recover.js';
import { checkReadAccess } from './access.js';
import type { CommandHandler, CommandSession, NodeServices } from './context.js';

/**
 * A connection holding the channel reads on from a position (`since`) whatever historyAccess
 * says: subscribe `since` gives it the same publications, and the SDK reads the pages of a
 * recovery too large for one reply this way. Other reads follow checkReadAccess.
 */
async function checkHistoryAccess(session: CommandSession, params: HistoryParams, node: NodeServices): Promise<void> {
  if (params.since === undefined || !session.channels.has(params.channel)) {
    await checkReadAccess(session, params.channel, 'history', node);
    return;
  }
  if (!node.channels.resolve(params.channel).history)
    throw new ReplyError(ERROR_CODES.NOT_AVAILABLE, 'history is not enabled in this namespace');
}

export const handleHistory: CommandHandler<'history'> = async (session, params, node) => {
  await checkHistoryAccess(session, params, node);
  const query: HistoryQuery = {};
  if (params.since !== undefined) query.since = params.since;
  if (params.limit !== undefined) query.limit = params.limit;
  if (params.reverse !== undefined) query.reverse = params.reverse;
  const history = await node.broker.history(params.channel, query);
  const result: HistoryResult = {
    publications: history.publications.map(publicationData),
    offset: history.position.offset,
    epoch: history.position.epoch,
  };
  return { result, fit: (queuedBytes) => pageHistory(result, session.codec, node.options, queuedBytes) };
};

/**
 * @module commands/history
 * `history`: the kept publications of a channel and its current position (108, 113 from
 * checkReadAccess). A `since` of another epoch returns no publications: compare the epoch.
 */
import type { HistoryResult } from '@relais/protocol';
import type { HistoryQuery } from '../broker.js';
import { publicationData } from '../recovery/recover.js';
import { checkReadAccess } from './access.js';
import type { CommandHandler } from './context.js';

export const handleHistory: CommandHandler<'history'> = async (session, params, node) => {
  checkReadAccess(session, params.channel, 'history', node);
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
  return { result };
};

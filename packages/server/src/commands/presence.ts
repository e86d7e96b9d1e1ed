/**
 * @module commands/presence
 * `presence` and `presence_stats`: who is subscribed to a channel across the cluster, and how
 * many (108, 113 from checkReadAccess). A presence list that does not fit in the connection's
 * queue is refused with 106 (recovery/page).
 */
import { checkWholeReply } from '../recovery/page.js';
import { checkReadAccess } from './access.js';
import type { CommandHandler } from './context.js';

export const handlePresence: CommandHandler<'presence'> = async (session, params, node) => {
  await checkReadAccess(session, params.channel, 'presence', node);
  const result = { clients: await node.presence.store.presence(params.channel) };
  return { result, fit: (queuedBytes) => checkWholeReply(result, session.codec, node.options, queuedBytes) };
};

export const handlePresenceStats: CommandHandler<'presence_stats'> = async (session, params, node) => {
  await checkReadAccess(session, params.channel, 'presence', node);
  const { clients, users } = await node.presence.store.stats(params.channel);
  return { result: { clients, users } };
};

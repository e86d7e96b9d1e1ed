/**
 * @module commands/presence
 * `presence` and `presence_stats`: who is subscribed to a channel across the cluster, and how
 * many (108, 113 from checkReadAccess).
 */
import { checkReadAccess } from './access.js';
import type { CommandHandler } from './context.js';

export const handlePresence: CommandHandler<'presence'> = async (session, params, node) => {
  checkReadAccess(session, params.channel, 'presence', node);
  return { result: { clients: await node.presence.store.presence(params.channel) } };
};

export const handlePresenceStats: CommandHandler<'presence_stats'> = async (session, params, node) => {
  checkReadAccess(session, params.channel, 'presence', node);
  const { clients, users } = await node.presence.store.stats(params.channel);
  return { result: { clients, users } };
};

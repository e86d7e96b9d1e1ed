/**
 * @module presence/join-leave
 * Fans a join or leave out to the local subscribers of a channel that asked for them. A
 * connection never gets its own join (it knows it subscribed) nor, being gone, its own leave.
 */
import type { ClientInfo } from '@relais/protocol';
import type { Hub, HubMember } from '../hub.js';

/** A subscriber that may have asked for join/leave pushes. */
interface JoinLeaveMember extends HubMember {
  readonly channels: { wantsJoinLeave(channel: string): boolean };
}

/** Returns how many connections got the push. */
export function broadcastJoinLeave<M extends JoinLeaveMember>(
  hub: Hub<M>,
  type: 'join' | 'leave',
  channel: string,
  info: ClientInfo,
): number {
  const members = hub.subscribers(channel).filter((session) => session.channels.wantsJoinLeave(channel) && session.client !== info.client);
  if (members.length === 0) return 0;
  return hub.fanOut(members, { type, channel, info });
}

/**
 * @module api/cluster-commands
 * What every node does for the cluster-wide methods of the server API: the control messages
 * `api.send_user`, `api.send_all`, `api.subscribe`, `api.unsubscribe`, `api.disconnect`,
 * `api.refresh` and `api.channels`, each answered with what this node did (a count, or its
 * channels). Installed on every node, with or without API keys, so that any node of a
 * cluster can serve the API for all of them.
 */
import { watchExpiry, type RefreshNode } from '../auth/connect-auth.js';
import type { ControlHandler } from '../cluster/cluster.js';
import type { CommandSession } from '../commands/context.js';
import type { Hub } from '../hub.js';
import type { DisconnectTarget } from '../server-api.js';

/** The parts of a node these commands act on (the node's hub and its local server API). */
export interface LocalNode {
  readonly hub: Hub<CommandSession>;
  /** What a deadline that passes asks (onRefresh hooks), and logs to. */
  readonly services: RefreshNode;
  sendToUser(user: string, data: unknown): number;
  subscribe(client: string, channel: string, data?: unknown): Promise<boolean>;
  unsubscribe(client: string, channel: string): boolean;
  disconnect(target: DisconnectTarget, code?: number, reason?: string): number;
}

/** The connections of one user, or the one connection of a client id. */
export type ConnectionTarget = { user: string } | { client: string };

/** A channel and its subscribers, as `api.channels` answers it. */
export type ChannelCount = [channel: string, subscribers: number];

export const CLUSTER_COMMANDS = {
  sendUser: 'api.send_user',
  sendAll: 'api.send_all',
  subscribe: 'api.subscribe',
  unsubscribe: 'api.unsubscribe',
  disconnect: 'api.disconnect',
  refresh: 'api.refresh',
  channels: 'api.channels',
} as const;

function targeted(hub: Hub<CommandSession>, target: ConnectionTarget): readonly CommandSession[] {
  if ('client' in target) {
    const session = hub.get(target.client);
    return session ? [session] : [];
  }
  return hub.ofUser(target.user);
}

/**
 * A matcher of channel names for `pattern`: `*` stands for any run of characters (none
 * included), every other character for itself. Without a pattern, every channel.
 */
export function channelMatcher(pattern: string | undefined): (channel: string) => boolean {
  if (pattern === undefined) return () => true;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[\\^$.+?()[\]{}|/-]/g, '\\$&'))
    .join('.*');
  const regexp = new RegExp(`^${source}$`, 's');
  return (channel) => regexp.test(channel);
}

/** The handlers of every cluster command, for `node`. */
export function clusterCommands(node: LocalNode): Record<string, ControlHandler> {
  const { hub } = node;
  return {
    [CLUSTER_COMMANDS.sendUser]: (body) => {
      const { user, data } = body as { user: string; data: unknown };
      return node.sendToUser(user, data);
    },
    [CLUSTER_COMMANDS.sendAll]: (body) => hub.fanOut(hub.members(), { type: 'message', data: (body as { data: unknown }).data }),
    [CLUSTER_COMMANDS.subscribe]: async (body) => {
      const { target, channel, data } = body as { target: ConnectionTarget; channel: string; data?: unknown };
      const done = await Promise.all(targeted(hub, target).map((session) => node.subscribe(session.client, channel, data)));
      return done.filter(Boolean).length;
    },
    [CLUSTER_COMMANDS.unsubscribe]: (body) => {
      const { target, channel } = body as { target: ConnectionTarget; channel: string };
      return targeted(hub, target).filter((session) => node.unsubscribe(session.client, channel)).length;
    },
    [CLUSTER_COMMANDS.disconnect]: (body) => {
      const { target, code, reason } = body as { target: ConnectionTarget; code: number; reason?: string };
      return node.disconnect(target, code, reason);
    },
    [CLUSTER_COMMANDS.refresh]: (body) => {
      const { user, expireAt } = body as { user: string; expireAt: number };
      const sessions = hub.ofUser(user);
      // expireAt is in seconds, as a token's exp; a time already past closes them with 3005.
      for (const session of sessions) watchExpiry(session, expireAt * 1000, node.services);
      return sessions.length;
    },
    [CLUSTER_COMMANDS.channels]: (body) => {
      const matches = channelMatcher((body as { pattern?: string }).pattern);
      const out: ChannelCount[] = [];
      for (const [channel, count] of hub.channelCounts()) if (matches(channel)) out.push([channel, count]);
      return out;
    },
  };
}

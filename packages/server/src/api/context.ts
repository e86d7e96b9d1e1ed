/**
 * @module api/context
 * What the server API's methods work with: the node (as a small role), the namespace rules,
 * the limits; and the shape of a method.
 */
import { ERROR_CODES, type ClientInfo, type PublishResult } from '@relais/protocol';
import type { HistoryQuery, HistoryResult } from '../broker.js';
import type { ChannelRules } from '../channels.js';
import type { Cluster } from '../cluster/cluster.js';
import type { PresenceStats } from '../presence.js';
import type { ServerPublishOptions } from '../server-api.js';
import { ApiError } from './errors.js';

/** The node as the API sees it (Relais implements it). */
export interface ApiNode {
  readonly cluster: Pick<Cluster, 'nodes' | 'gather'>;
  publish(channel: string, data: unknown, options?: ServerPublishOptions): Promise<PublishResult>;
  history(channel: string, query?: HistoryQuery): Promise<HistoryResult>;
  removeHistory(channel: string): Promise<void>;
  presence(channel: string): Promise<Record<string, ClientInfo>>;
  presenceStats(channel: string): Promise<PresenceStats>;
}

/** What the methods work with. */
export interface ApiContext {
  node: ApiNode;
  /** The rules of a channel's namespace; undefined when it is not configured. */
  rules(channel: string): ChannelRules | undefined;
  maxDataDepth: number;
  /** How long cluster-wide methods wait for each node, in ms. */
  timeoutMs: number;
  /** Counts the error of one item of a `broadcast` or `batch` (their call itself succeeds). */
  itemError?(code: number): void;
}

/** One method: its params as parsed from the body (undefined for an empty body) → its result. */
export type ApiMethod = (params: unknown) => Promise<unknown>;
export type ApiMethods = ReadonlyMap<string, ApiMethod>;

/** The rules of `channel`; 102 when its namespace is not configured. */
export function rulesOf(ctx: ApiContext, channel: string): ChannelRules {
  const rules = ctx.rules(channel);
  if (!rules) throw new ApiError(ERROR_CODES.UNKNOWN_CHANNEL, `unknown channel ${channel}: its namespace is not configured`);
  return rules;
}

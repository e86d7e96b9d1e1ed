/**
 * @module commands/context
 * What command handlers get from the node, and the shape they answer with.
 */
import type { CommandParamsMap, Method, ResultMap } from '@relais/protocol';
import type { Broker } from '../broker.js';
import type { BrokerSubscriptions } from '../broker-subscriptions.js';
import type { Channels } from '../channels.js';
import type { Hooks } from '../hooks.js';
import type { Hub } from '../hub.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { PresenceKeeper } from '../presence/presence-keeper.js';
import type { ResolvedOptions } from '../options.js';
import type { Session } from '../session.js';

/** Services of the node shared by every session. */
export interface NodeServices {
  readonly options: ResolvedOptions;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly hub: Hub<Session>;
  readonly hooks: Hooks;
  readonly channels: Channels;
  readonly broker: Broker;
  readonly subscriptions: BrokerSubscriptions;
  /** This node's presence entries and the engine's PresenceStore. */
  readonly presence: PresenceKeeper;
  /** Called exactly once when a session reaches `closed`. */
  sessionClosed(session: Session, code: number): void;
}

/**
 * A handler's answer. `afterReply` runs synchronously right after the reply is queued, so that
 * nothing (e.g. a publication) can reach the client between the reply and what it enables.
 */
export interface Handled<R> {
  result: R;
  afterReply?: () => void;
}

/** Handles one command of a connection. Throws ReplyError, Disconnect or anything (→ 100). */
export type CommandHandler<M extends Method> = (
  session: Session,
  params: CommandParamsMap[M],
  node: NodeServices,
) => Promise<Handled<ResultMap[M]>>;

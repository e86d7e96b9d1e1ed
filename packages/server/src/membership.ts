/**
 * @module membership
 * Channel membership of one session: reserve (limit, broker subscription, presence), activate
 * (held publications, hub delivery, join), release (leave). Used by client subscriptions,
 * server-side subscriptions and connect.
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES, type ClientInfo } from '@relais/protocol';
import type { NodeServices } from './commands/context.js';
import { HELD_OVERFLOW, publicationPush } from './hub.js';
import { liveAfter } from './recovery/recover.js';
import type { Session } from './session.js';

/** Who a session is, as publications, presence and join/leave show it. */
export function clientInfo(session: Session): ClientInfo {
  const info: ClientInfo = { client: session.client, user: session.user };
  if (session.info !== undefined) info.info = session.info;
  return info;
}

/**
 * Reserves `channel` for `session` and waits for the broker subscription (and the presence
 * entry, when the namespace has presence). The caller checked that the channel is not held
 * yet. From here on the hub holds the channel's publications for the session until
 * `activateChannel`. `who` is the presence identity (connect passes the one the session is
 * about to get). Throws Disconnect when the session closed meanwhile.
 */
export async function reserveChannel(node: NodeServices, session: Session, channel: string, who: ClientInfo = clientInfo(session)): Promise<void> {
  session.channels.add(channel);
  node.hub.hold(channel, session);
  try {
    await node.subscriptions.acquire(channel);
    if (node.channels.find(channel)?.presence && session.state !== 'closed') await node.presence.join(channel, who);
  } catch (error) {
    // The broker or the presence store refused: forget the reservation; the caller reports it.
    releaseChannel(node, session, channel);
    throw error;
  }
  if (session.state === 'closed') {
    // The session was torn down while the broker subscribed; its teardown released the
    // channels it held at that time, which included this one.
    throw new Disconnect(DISCONNECT_CODES.SHUTDOWN, 'closed');
  }
}

/**
 * Starts delivering publications of a reserved channel to the session: first those held since
 * `reserveChannel` (minus what the subscribe result delivered up to `deliveredUpTo`), then live.
 * Runs synchronously right after the reply, so nothing can come in between.
 */
export function activateChannel(node: NodeServices, session: Session, channel: string, deliveredUpTo?: number): void {
  const held = node.hub.take(channel, session);
  if (session.state === 'closed' || !session.channels.has(channel)) return;
  if (held === HELD_OVERFLOW) {
    // Too many publications arrived while the subscribe read its position: the client cannot
    // get them all in order from here. 3010 makes it reconnect and recover from what it has.
    node.logger.warn({ client: session.client, channel }, 'too many publications held during a subscribe; closing with 3010');
    session.close(DISCONNECT_CODES.INSUFFICIENT_STATE);
    return;
  }
  for (const pub of liveAfter(held, deliveredUpTo)) session.enqueue(publicationPush(pub));
  if (!node.hub.subscribe(channel, session)) return;
  node.metrics.subscriptions++;
  if (node.channels.find(channel)?.joinLeave) {
    node.broker.publishJoin(channel, clientInfo(session)).catch((error: unknown) => {
      node.logger.error({ err: error, channel }, 'join publish failed');
    });
  }
}

/** Stops delivery, gives the broker subscription back, removes presence and sends leave. */
export function releaseChannel(node: NodeServices, session: Session, channel: string): void {
  if (!session.channels.delete(channel)) return;
  session.auth.unwatchChannel(channel);
  session.setJoinLeave(channel, false);
  node.hub.drop(channel, session);
  const wasActive = node.hub.unsubscribe(channel, session);
  if (wasActive) node.metrics.subscriptions--;
  const rules = node.channels.find(channel);
  if (rules?.presence) node.presence.leave(channel, session.client);
  if (wasActive && rules?.joinLeave) {
    node.broker.publishLeave(channel, clientInfo(session)).catch((error: unknown) => {
      node.logger.error({ err: error, channel }, 'leave publish failed');
    });
  }
  node.subscriptions.release(channel).catch((error: unknown) => {
    node.logger.error({ err: error, channel }, 'broker unsubscribe failed');
  });
}

/** Releases every channel of a closing session. */
export function releaseAll(node: NodeServices, session: Session): void {
  for (const channel of [...session.channels]) releaseChannel(node, session, channel);
}

/**
 * Watches the subscription token of a held channel: when `expiresAt` passes without a
 * `sub_refresh`, the subscription ends with an `unsubscribe` push, code 109 (token expired).
 * A token without `exp` is watched too (sub_refresh applies), with no deadline.
 */
export function watchChannelExpiry(node: NodeServices, session: Session, channel: string, expiresAt: number | undefined): void {
  session.auth.watchChannel(channel, expiresAt, () => {
    if (!session.channels.has(channel)) return;
    releaseChannel(node, session, channel);
    session.enqueue({ type: 'unsubscribe', channel, code: ERROR_CODES.TOKEN_EXPIRED, reason: 'subscription token expired' });
  });
}

/**
 * @module membership
 * Channel membership of one session: reserve (limit, broker subscription), activate (hub
 * delivery), release. Used by client subscriptions, server-side subscriptions and connect.
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES } from '@relais/protocol';
import type { NodeServices } from './commands/context.js';
import type { Session } from './session.js';

/**
 * Reserves `channel` for `session` and waits for the broker subscription. The caller checked
 * that the channel is not held yet. Throws Disconnect when the session closed meanwhile.
 */
export async function reserveChannel(node: NodeServices, session: Session, channel: string): Promise<void> {
  session.channels.add(channel);
  try {
    await node.subscriptions.acquire(channel);
  } catch (error) {
    // The broker refused: forget the reservation; the caller reports the error.
    session.channels.delete(channel);
    void node.subscriptions.release(channel).catch(() => {});
    throw error;
  }
  if (session.state === 'closed') {
    // The session was torn down while the broker subscribed; its teardown released the
    // channels it held at that time, which included this one.
    throw new Disconnect(DISCONNECT_CODES.SHUTDOWN, 'closed');
  }
}

/** Starts delivering publications of a reserved channel to the session. */
export function activateChannel(node: NodeServices, session: Session, channel: string): void {
  if (session.state === 'closed' || !session.channels.has(channel)) return;
  if (node.hub.subscribe(channel, session)) node.metrics.subscriptions++;
}

/** Stops delivery and gives the broker subscription back. */
export function releaseChannel(node: NodeServices, session: Session, channel: string): void {
  if (!session.channels.delete(channel)) return;
  session.auth.unwatchChannel(channel);
  if (node.hub.unsubscribe(channel, session)) node.metrics.subscriptions--;
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

/**
 * @module auth/subscription-deadline
 * The deadline an onSubscribe hook (or the subscribe proxy) gave a subscription: when it passes,
 * onSubRefresh hooks decide whether it lives on, else it ends with an `unsubscribe` push 109
 * (the SDK subscribes again, which asks the hooks again).
 */
import { Disconnect, ERROR_CODES } from '@relais/protocol';
import type { CommandSession } from '../commands/context.js';
import { REFRESH_RETRY_MS, askRefreshHooks, type RefreshNode } from './connect-auth.js';

/** Watches `channel`'s deadline (undefined: none) on `session`. */
export function watchSubscriptionDeadline(
  session: CommandSession,
  channel: string,
  expiresAt: number | undefined,
  node: RefreshNode,
): void {
  session.channels.watchDeadline(channel, expiresAt, () => void expire(session, channel, node));
}

async function expire(session: CommandSession, channel: string, node: RefreshNode): Promise<void> {
  const hooks = node.hooks.subRefresh.list();
  if (hooks.length === 0) {
    session.channels.end(channel, ERROR_CODES.TOKEN_EXPIRED, 'subscription expired');
    return;
  }
  const next = await askRefreshHooks(hooks, { client: session.details(), channel }, node.logger, session.client);
  // The client may have unsubscribed, or gone, while the hooks ran.
  if (session.state === 'closed' || !session.channels.has(channel)) return;
  if (next === 'retry') watchSubscriptionDeadline(session, channel, session.auth.now() + REFRESH_RETRY_MS, node);
  else if (next instanceof Disconnect) session.close(next.code, next.reason);
  else if (next === 'expired' || (next.expiresAt !== undefined && next.expiresAt <= session.auth.now())) {
    session.channels.end(channel, ERROR_CODES.TOKEN_EXPIRED, 'subscription expired');
  } else watchSubscriptionDeadline(session, channel, next.expiresAt, node);
}

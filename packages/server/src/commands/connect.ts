/**
 * @module commands/connect
 * `connect`: runs onConnecting hooks, makes the server-side subscriptions they ask for, and
 * answers with ConnectResult. A hook's ReplyError is replied, then the connection is closed
 * with 3505 (see Session); a hook's Disconnect closes it with its own code.
 */
import { PROTOCOL_VERSION, channelError, type ClientInfo, type ConnectResult } from '@relais/protocol';
import { authenticate, tokenGrants, watchExpiry } from '../auth/connect-auth.js';
import { checkData, identityError } from '../data-checks.js';
import type { ConnectEvent, ConnectHookResult } from '../events.js';
import { SERVER_VERSION } from '../version.js';
import type { CommandHandler } from './context.js';

/** Checks what the hooks returned; a hook bug is a TypeError (logged, 100 to the client). */
function checkHookResult(result: ConnectHookResult, maxDataDepth: number): string[] {
  if (result.user !== undefined && typeof result.user !== 'string') {
    throw new TypeError('onConnecting hook returned a non-string user');
  }
  if (result.expiresAt !== undefined && (typeof result.expiresAt !== 'number' || !Number.isFinite(result.expiresAt))) {
    throw new TypeError('onConnecting hook returned an expiresAt that is not a time in ms');
  }
  const problem = identityError(result.user ?? '', result.info, maxDataDepth);
  if (problem) throw new TypeError(`onConnecting hook returned an identity that cannot be delivered: ${problem}`);
  checkData('onConnecting hook returned data that cannot be sent', result.data, maxDataDepth, false);
  const channels = [...new Set(result.channels ?? [])];
  for (const channel of channels) {
    const problem = channelError(channel);
    if (problem) throw new TypeError(`onConnecting hook returned an invalid channel: ${problem}`);
  }
  return channels;
}

export const handleConnect: CommandHandler<'connect'> = async (session, params, node) => {
  const verified = await authenticate(node, session, params.token);
  const event: ConnectEvent = { client: session.client, transport: session.transport, ...params };
  if (node.auth) event.user = verified?.user ?? '';
  if (verified) event.claims = verified.claims;
  // The token's info and channels claims, then whatever the hooks return, key by key.
  let merged: ConnectHookResult = { user: event.user, ...tokenGrants(verified, node.options.maxDataDepth) };
  for (const hook of node.hooks.connecting.list()) {
    const result = await hook(event);
    if (result) merged = { ...merged, ...result };
  }
  const channels = checkHookResult(merged, node.options.maxDataDepth);
  // The session is established only after the reply: give presence the identity it will have.
  const who: ClientInfo = { client: session.client, user: merged.user ?? '' };
  if (merged.info !== undefined) who.info = merged.info;
  for (const channel of channels) await session.channels.reserve(channel, who);

  const { options } = node;
  const user = merged.user ?? '';
  const result: ConnectResult = {
    client: session.client,
    user,
    version: SERVER_VERSION,
    protocol: session.codec.version ?? PROTOCOL_VERSION,
    pingIntervalMs: options.pingIntervalMs,
    pongTimeoutMs: options.pongTimeoutMs,
    maxMessageBytes: options.maxMessageBytes,
    maxPageBytes: options.maxPageBytes,
  };
  if (merged.data !== undefined) result.data = merged.data;
  if (channels.length > 0) result.channels = channels;
  // A hook's deadline is the server's to refresh (onRefresh); the token's is the client's.
  const expiresAt = merged.expiresAt ?? verified?.expiresAt;
  if (merged.expiresAt === undefined && expiresAt !== undefined) result.expiresInMs = session.auth.remainingMs(expiresAt);
  return {
    result,
    afterReply: () => {
      session.auth.claims = verified?.claims;
      watchExpiry(session, expiresAt, node);
      session.establish(user, merged.info);
      for (const channel of channels) session.channels.activate(channel);
    },
  };
};

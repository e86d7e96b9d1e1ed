/**
 * @module commands
 * The dispatch table: one handler per method of protocol v1.
 */
import type { Method } from '@relais/protocol';
import type { CommandHandler } from './context.js';
import { handleConnect } from './connect.js';
import { handleHistory } from './history.js';
import { handlePing } from './ping.js';
import { handlePresence, handlePresenceStats } from './presence.js';
import { handlePublish } from './publish.js';
import { handleRefresh } from './refresh.js';
import { handleResume } from './resume.js';
import { handleRpc } from './rpc.js';
import { handleSend } from './send.js';
import { handleSubRefresh } from './sub-refresh.js';
import { handleSubscribe } from './subscribe.js';
import { handleUnsubscribe } from './unsubscribe.js';

export const COMMAND_HANDLERS: { readonly [M in Method]: CommandHandler<M> } = {
  connect: handleConnect,
  subscribe: handleSubscribe,
  unsubscribe: handleUnsubscribe,
  publish: handlePublish,
  rpc: handleRpc,
  send: handleSend,
  ping: handlePing,
  refresh: handleRefresh,
  sub_refresh: handleSubRefresh,
  history: handleHistory,
  resume: handleResume,
  presence: handlePresence,
  presence_stats: handlePresenceStats,
};

export type { CommandHandler, Handled, NodeServices } from './context.js';

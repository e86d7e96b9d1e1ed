/**
 * @module @relais/client/share
 * One connection for every tab of an origin: `new SharedClient(url, { share: true })`. A
 * separate entry point, so apps that do not share pay nothing for it in their bundle.
 */
export { SharedClient } from './shared-client.js';
export {
  shareChannelName,
  type SharedClientEvents,
  type SharedClientOptions,
  type SharedWorkerLike,
  type SharedStateChange,
} from './shared-types.js';
export { SharedSubscription } from './shared-subscription.js';
export { serveSharedWorker, type MessagePortLike, type SharedWorkerOptions, type SharedWorkerScopeLike } from './shared-worker.js';
export { electLeader, type LockManagerLike } from './election.js';
export { ShareHub } from './hub.js';
export type { ChannelLike, LeaderMessage, SharedCall, SharedSubscribeOptions, TabMessage } from './messages.js';

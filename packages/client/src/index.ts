/**
 * @module @relais/client
 * The relais client SDK for browsers and Node: connection state machine, reconnection with
 * backoff, offline queue, subscriptions, RPC, tokens and stats.
 */
export { Client } from './client.js';
export type { CallOptions, ClientEvents, ClientState, RpcOptions, StateChange } from './events.js';
export { Subscription } from './subscription.js';
// Subscription states and events, publications, history pages, subscribe and publish options.
export type * from './subscription-types.js';
export { exponentialBackoff, type Backoff, type ExponentialBackoffOptions } from './backoff.js';
export type { Disposer, Listener } from './emitter.js';
export * from './errors.js';
export * from './options.js';
export type { ClientStats } from './stats.js';
export type {
  ClientInfo,
  ConnectResult,
  PresenceStatsResult,
  PublishResult,
  RpcResult,
  StreamPosition,
  SubscribeResult,
} from '@relais/protocol';
export type { Timers, TimerHandle } from './timer.js';
export type { EnvironmentTarget, VisibilityTarget } from './environment.js';
export type { WebSocketConstructor, WebSocketLike } from './transports/websocket.js';
export type { TransportKind } from './transports/client-transport.js';
export type { FallbackTransport, TransportChooser, TransportEnvironment, TransportOption } from './transports/chooser.js';
export type { EventSourceConstructor, EventSourceLike, FetchLike, ResponseLike } from './transports/fetch.js';
export { typed, type TypedCalls, type TypedClient } from './typed.js';
export {
  defineContract,
  type ChannelContract,
  type Contract,
  type ContractChannel,
  type ContractEvent,
  type ContractMethod,
  type InferInput,
  type InferOutput,
  type PublicationOf,
  type PublishDataOf,
  type RpcContract,
  type RpcInputOf,
  type RpcOutputOf,
  type StandardSchema,
} from '@relais/protocol';

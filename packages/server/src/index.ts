/**
 * @module @relais/server
 * The relais server node. Public exports only.
 */
export { createRelais, METRICS_PATH, Relais, SERVER_UNSUBSCRIBE_CODE } from './node.js';
// The wire errors hooks throw, so that an app needs only this package.
export { DISCONNECT_CODES, Disconnect, ERROR_CODES, ReplyError } from '@relais/protocol';
export type { DisconnectTarget, ListenOptions, ServerPublishOptions } from './node.js';
export * from './options.js';
export { DEFAULT_API_MAX_BODY_BYTES, DEFAULT_API_TIMEOUT_MS, type ResolvedApiOptions } from './api/api-options.js';
export type { ApiStatsSnapshot } from './api/api-stats.js';
export { ApiError, type ApiErrorShape } from './api/errors.js';
export type { NodeStats, NodeStatsError } from './metrics/node-stats.js';
export { checkTraceTarget, MAX_TRACED_FRAME_CHARS, type TraceFrame, type TraceTarget } from './trace/trace-frame.js';
export type { TraceBatch } from './trace/tracer.js';
export {
  DEFAULT_TRACE_LEASE_MS,
  MAX_TRACE_BATCH_FRAMES,
  TRACE_FLUSH_MS,
  type TraceHandle,
  type TraceListener,
} from './trace/trace-viewers.js';
export { OPENAPI_DOCUMENT } from './api/openapi.js';
// The shared option checks, for engine packages' own options (e.g. @relais/redis).
export { MAX_TIMER_MS, durationMs, isRecord, positiveInteger, rejectUnknownKeys } from './option-checks.js';
export { CATCH_ALL_NAMESPACE, DEFAULT_HISTORY_MAX_BYTES, type ChannelRules, type NamespaceRules } from './channels.js';
export type { Access, AccessAction } from './auth/access.js';
export { resolveAuthOptions, type AuthOptions, type ResolvedAuthOptions } from './auth/options.js';
// For tools that check tokens as the node does (`relais tokens verify`).
export { TokenRejectedError, TokenVerifier, type TokenClaims, type VerifiedToken } from './auth/verifier.js';
export type { LimitsOptions, ResolvedLimits, ScopeLimits } from './rate-limit/options.js';
export type {
  Broker,
  BrokerEventHandler,
  BrokerPublishOptions,
  HistoryOptions,
  HistoryQuery,
  HistoryResult,
  Publication,
} from './broker.js';
export { decodePublicationBody, encodePublicationBody, type PublicationBody } from './publication-body.js';
export type { PresenceStats, PresenceStore } from './presence.js';
export { MemoryBroker, type MemoryBrokerOptions } from './memory/memory-broker.js';
export {
  DEFAULT_MAX_RPC_REPLIES,
  DEFAULT_MAX_RPC_REPLY_BYTES_IN_ALL,
  MemoryRpcReplyStore,
  type MemoryRpcReplyStoreOptions,
} from './rpc-once/memory-rpc-replies.js';
export { decodeReply, encodeReply, type RememberedReply, type RpcClaim, type RpcReplyStore } from './rpc-once/rpc-reply-store.js';
export { MemoryBus, type MemoryBusOptions, type PresenceEntry } from './memory/memory-bus.js';
export { DEFAULT_MAX_HISTORY_BYTES } from './memory/memory-streams.js';
export { MemoryPresenceStore, type MemoryPresenceStoreOptions } from './memory/memory-presence-store.js';
export type * from './events.js';
export type { Transport, TransportInfo } from './transport.js';
export { framed as webSocketFrame } from './transports/ws-transport.js';
export type { Session, SessionState } from './session.js';
export { Cluster, ClusterError, type ControlHandler, type GatherReply, type NodeInfo } from './cluster/cluster.js';
export { CLUSTER_COMMANDS, type ChannelCount } from './api/cluster-commands.js';
export type { ControlLink } from './cluster/control-link.js';
export { MemoryControlHub, MemoryControlLink } from './cluster/memory-control-link.js';
export { silentLogger, type Logger, type LogFn } from './logger.js';
// For front-ends that admit their own connections (e.g. @relais/socketio) by the node's rules.
export { clientAddress } from './auth/client-address.js';
export { originAllowed } from './auth/origin.js';
export type { FrontendTraffic, MetricsSnapshot } from './metrics/metrics.js';
// For front-ends and embedders with metrics of their own (relais.addMetric).
export { Counter, CounterChild, Gauge, GaugeChild, type Metric } from './metrics/prometheus.js';
export { ENGINE_TIMING_SAMPLE } from './metrics/instrumented-engine.js';
export { SERVER_VERSION } from './version.js';
export type { HttpFallback, HttpRoute, NotReadyReason, Readiness, RequestHandler, UpgradeHandler } from './http.js';
// For front-ends with HTTP endpoints of their own (e.g. @relais/supabase's REST broadcast).
export { BodyTooLarge, readBody } from './http-body.js';

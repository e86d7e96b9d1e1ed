/**
 * @module @relais/server
 * The relais server node. Public exports only.
 */
export { createRelais, METRICS_PATH, Relais, SERVER_UNSUBSCRIBE_CODE } from './node.js';
// The wire errors hooks throw, so that an app needs only this package.
export { DISCONNECT_CODES, Disconnect, ERROR_CODES, ReplyError } from '@relais/protocol';
export type { DisconnectTarget, ListenOptions, ServerPublishOptions } from './node.js';
export * from './options.js';
// The shared option checks, for engine packages' own options (e.g. @relais/redis).
export { MAX_TIMER_MS, durationMs, isRecord, positiveInteger, rejectUnknownKeys } from './option-checks.js';
export { CATCH_ALL_NAMESPACE, DEFAULT_HISTORY_MAX_BYTES, type ChannelRules, type NamespaceRules } from './channels.js';
export type { Access, AccessAction } from './auth/access.js';
export type { AuthOptions, ResolvedAuthOptions } from './auth/options.js';
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
export { MemoryBus, type MemoryBusOptions, type PresenceEntry } from './memory/memory-bus.js';
export { DEFAULT_MAX_HISTORY_BYTES } from './memory/memory-streams.js';
export { MemoryPresenceStore, type MemoryPresenceStoreOptions } from './memory/memory-presence-store.js';
export type * from './events.js';
export type { Transport, TransportInfo } from './transport.js';
export type { Session, SessionState } from './session.js';
export { Cluster, ClusterError, type ControlHandler, type GatherReply, type NodeInfo } from './cluster/cluster.js';
export type { ControlLink } from './cluster/control-link.js';
export { MemoryControlHub, MemoryControlLink } from './cluster/memory-control-link.js';
export { silentLogger, type Logger, type LogFn } from './logger.js';
export type { MetricsSnapshot } from './metrics/metrics.js';
export { ENGINE_TIMING_SAMPLE } from './metrics/instrumented-engine.js';
export { SERVER_VERSION } from './version.js';
export type { HttpFallback, HttpRoute, NotReadyReason, Readiness, RequestHandler, UpgradeHandler } from './http.js';

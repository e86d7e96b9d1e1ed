/**
 * @module options
 * Options of a relais node: defaults, and the check that rejects invalid or contradictory ones.
 * The parsers of single structured options are in option-values.ts.
 */
import { MAX_DATA_DEPTH, type Contract } from '@relais/protocol';
import { resolveApiOptions, type ResolvedApiOptions } from './api/api-options.js';
import { resolveTrustedProxies } from './auth/client-address.js';
import { checkAllowedOrigins, resolveAuthOptions, type AuthOptions, type ResolvedAuthOptions } from './auth/options.js';
import { resolveProxyOptions, type ProxyOptions, type ResolvedProxyOptions } from './proxy/options.js';
import { resolveNamespaces, type NamespaceOptions, type NamespaceRules } from './channels.js';
import { resolveContract, type ContractSchemas } from './contract/contract-checks.js';
import type { Logger } from './logger.js';
import { OptionsError, isRecord, positiveInteger, rejectUnknownKeys, show, MAX_TIMER_MS, checkBoolean } from './option-checks.js';
import {
  checkEngine,
  checkLogger,
  checkNodeId,
  resolveCompression,
  resolveMetrics,
  resolvePageBytes,
  type CompressionOptions,
  type EngineOptions,
  type MetricsOptions,
  type ResolvedCompression,
  type ResolvedMetrics,
} from './option-values.js';
import { resolveLimits, type LimitsOptions, type ResolvedLimits } from './rate-limit/options.js';

export { OptionsError } from './option-checks.js';
export type { NamespaceOptions } from './channels.js';
export type { CompressionOptions, EngineOptions, MetricsOptions, ResolvedCompression, ResolvedMetrics } from './option-values.js';

export const DEFAULT_PATH = '/connection/websocket';
export const DEFAULT_PING_INTERVAL_MS = 25_000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 65_536;
export const DEFAULT_MAX_CHANNELS_PER_CONNECTION = 128;
export const DEFAULT_MAX_CONNECTIONS = 10_000;
export const DEFAULT_MAX_QUEUE_BYTES = 1_048_576;
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
export const DEFAULT_IDEMPOTENCY_TTL_MS = 300_000;
export const DEFAULT_PRESENCE_TTL_MS = 60_000;
export const DEFAULT_CLUSTER_HEARTBEAT_MS = 2_000;
/** Well under MAX_DATA_DEPTH (64), itself well under the MessagePack encoders' 100. */
export const DEFAULT_MAX_DATA_DEPTH = 32;

const DURATION_KEYS = [
  'pingIntervalMs',
  'pongTimeoutMs',
  'connectTimeoutMs',
  'rpcTimeoutMs',
  'closeTimeoutMs',
  'drainWindowMs',
  'idempotencyTtlMs',
  'presenceTtlMs',
] as const;
const COUNT_KEYS = ['maxMessageBytes', 'maxChannelsPerConnection', 'maxConnections', 'maxQueueBytes'] as const;
const KNOWN_KEYS = new Set<string>([
  'engine',
  'logger',
  'namespaces',
  'contract',
  'path',
  'auth',
  'allowedOrigins',
  'trustedProxies',
  'limits',
  'compression',
  'httpTransports',
  'maxDataDepth',
  'maxPageBytes',
  'nodeId',
  'clusterHeartbeatMs',
  'proxy',
  'apiKeys',
  'apiPort',
  'apiHost',
  'apiMaxBodyBytes',
  'apiTimeoutMs',
  'metrics',
  ...DURATION_KEYS,
  ...COUNT_KEYS,
]);

export interface RelaisOptions {
  /** Cluster engine. @default a MemoryBroker (single node) */
  engine?: EngineOptions;
  /**
   * This node's id in the cluster (server API results, `info`, logs): 1–64 characters among
   * A–Z a–z 0–9 _ . : -, unique in the cluster. @default a random UUID
   */
  nodeId?: string;
  /** How often the node tells the others of its cluster it is alive, in ms. @default 2000 */
  clusterHeartbeatMs?: number;
  /** Where the node logs; a pino logger fits. @default a silent logger */
  logger?: Logger;
  /** URL path accepting WebSocket upgrades (`/` is accepted too). @default '/connection/websocket' */
  path?: string;
  /** The server sends a ping push every this many ms. @default 25000 */
  pingIntervalMs?: number;
  /** Extra silence allowed after a ping before the connection is closed with 3012, in ms. @default 10000 */
  pongTimeoutMs?: number;
  /** Time a new connection has to send `connect` before it is closed with 3014, in ms. @default 10000 */
  connectTimeoutMs?: number;
  /** Largest inbound WebSocket message in bytes; larger ones are closed by ws with 1009. @default 65536 */
  maxMessageBytes?: number;
  /** Subscriptions one connection may hold; beyond that subscribe fails with 106. @default 128 */
  maxChannelsPerConnection?: number;
  /** Connections this node accepts; beyond that new ones are closed with 3006. @default 10000 */
  maxConnections?: number;
  /** Outbound bytes buffered per connection before it is closed with 3008 (slow). @default 1048576 */
  maxQueueBytes?: number;
  /**
   * Levels arrays and maps may be nested in any data (`[]` is 1): a client's deeper data gets
   * 106, server-side data a TypeError. At most MAX_DATA_DEPTH (64), so that every encoding can
   * write it inside replies and pushes. @default 32
   */
  maxDataDepth?: number;
  /**
   * Most bytes of publications (in the connection's encoding) one `history` or recovering
   * `subscribe` reply carries, counted with what the connection's queue already holds; the
   * rest is read page by page. At most maxQueueBytes. @default half of maxQueueBytes
   */
  maxPageBytes?: number;
  /** Time an RPC handler has to answer before the client gets 114, in ms. @default 10000 */
  rpcTimeoutMs?: number;
  /** Time close() waits for sockets to close before terminating them, in ms. @default 5000 */
  closeTimeoutMs?: number;
  /**
   * close() closes the connections (3001) spread evenly over this window, a batch every 50 ms,
   * instead of all at once, so that its clients reconnect to the other nodes over the window
   * rather than in one herd; those not closed yet keep being served. 0: all at once. In ms.
   * @default 0
   */
  drainWindowMs?: number;
  /** How long publish idempotency keys are remembered, in ms. @default 300000 */
  idempotencyTtlMs?: number;
  /** A presence entry not refreshed for this long expires (the node refreshes at a third), in ms. @default 60000 */
  presenceTtlMs?: number;
  /**
   * Channel namespaces. When set, channels of an unlisted namespace get 102 (unknown channel),
   * unless a `'*'` entry gives the rules of every unlisted namespace.
   * @default undefined: every namespace is allowed with default rules
   */
  namespaces?: Record<string, NamespaceOptions>;
  /**
   * Schemas of what clients publish, by namespace, and of RPC data, by method, with any
   * Standard Schema library (see defineContract of @relais/protocol): a publish or an RPC whose
   * data does not match is refused with 107 and the schema's message, and a matching one goes
   * on with the schema's output. The same object types the client (`typed`). Server-side
   * publishes are not checked. @default none
   */
  contract?: Contract;
  /** Token verification (JWT). @default undefined: no verification, onConnecting hooks decide */
  auth?: AuthOptions;
  /** Backend hooks over HTTP: connect, refresh, subscribe, publish, rpc (docs/api.md). @default none */
  proxy?: ProxyOptions;
  /**
   * Origins allowed to open WebSocket connections (`https://app.example.com`,
   * `https://*.example.com`, `*`); others get HTTP 403. Upgrades without `Origin` (non-browser
   * clients) are allowed. @default undefined: any origin
   */
  allowedOrigins?: string[];
  /**
   * Addresses of the reverse proxies in front of the node (`["10.0.0.5", "::1"]`). A
   * connection from one of them is taken to come from the right-most `X-Forwarded-For` address
   * that is not a trusted proxy: the per-IP connection limit counts that address, and hooks see
   * it as `transport.remoteAddress`. @default undefined: the socket's peer, whatever the headers
   */
  trustedProxies?: string[];
  /** Rate limits and abuse caps. @default see LimitsOptions */
  limits?: LimitsOptions;
  /** Negotiate permessage-deflate (true for defaults). @default false */
  compression?: boolean | CompressionOptions;
  /**
   * Serve connections over plain HTTP too, for networks that break WebSockets: SSE at
   * `/connection/sse`, HTTP streaming at `/connection/http_stream`, long-polling at
   * `/connection/long_poll` and `/connection/poll`, commands at `/connection/emulation`
   * (docs/protocol.md §1). @default true
   */
  httpTransports?: boolean;
  /**
   * Keys of the HTTP server API (`POST /api/<method>`, docs/api.md): a request must carry one
   * (`Authorization: apikey <key>` or `X-API-Key`). Several keys allow rotation.
   * @default undefined: the server API is off
   */
  apiKeys?: string[];
  /**
   * A port of its own for the server API (0 picks a free one), opened by `listen`; the node's
   * port then does not serve it. @default undefined: the API is on the node's port
   */
  apiPort?: number;
  /** Address the API's own port binds (with apiPort). @default the host given to listen */
  apiHost?: string;
  /** Largest server API request body, in bytes (else 413). @default 1048576 */
  apiMaxBodyBytes?: number;
  /** How long a cluster-wide API method waits for each node's answer, in ms (else 114). @default 5000 */
  apiTimeoutMs?: number;
  /**
   * Serve Prometheus metrics at `GET /metrics` of the node's HTTP server (`true`, or
   * `{token}` to require `Authorization: Bearer <token>`). Off by default: the metrics show
   * traffic and namespace names to whoever reaches the port. Counting is always on (`stats()`).
   * @default false
   */
  metrics?: boolean | MetricsOptions;
}

type ScalarKeys = (typeof DURATION_KEYS)[number] | (typeof COUNT_KEYS)[number] | 'path' | 'maxDataDepth' | 'maxPageBytes';

/**
 * Options after defaults were applied and every value was checked, nested ones in their
 * parsed form: nothing downstream validates or parses an option again.
 */
export type ResolvedOptions = Readonly<Required<Pick<RelaisOptions, ScalarKeys>>> & {
  readonly nodeId: string;
  readonly clusterHeartbeatMs: number;
  readonly engine: EngineOptions | undefined;
  readonly logger: Logger | undefined;
  /** Rules of every namespace, parsed. */
  readonly namespaces: NamespaceRules;
  /** The schemas of the `contract` option. */
  readonly contract: ContractSchemas;
  readonly auth: ResolvedAuthOptions | undefined;
  readonly proxy: ResolvedProxyOptions | undefined;
  readonly allowedOrigins: readonly string[] | undefined;
  /** Normalized addresses of the trusted proxies. */
  readonly trustedProxies: ReadonlySet<string> | undefined;
  readonly limits: ResolvedLimits;
  /** false: permessage-deflate is not offered. */
  readonly compression: ResolvedCompression | false;
  readonly httpTransports: boolean;
  /** The server API; undefined when it is off (no apiKeys). */
  readonly api: ResolvedApiOptions | undefined;
  /** false: no /metrics route. */
  readonly metrics: ResolvedMetrics;
};

export const DEFAULT_OPTIONS = {
  path: DEFAULT_PATH,
  pingIntervalMs: DEFAULT_PING_INTERVAL_MS,
  pongTimeoutMs: DEFAULT_PONG_TIMEOUT_MS,
  connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxChannelsPerConnection: DEFAULT_MAX_CHANNELS_PER_CONNECTION,
  maxConnections: DEFAULT_MAX_CONNECTIONS,
  maxQueueBytes: DEFAULT_MAX_QUEUE_BYTES,
  rpcTimeoutMs: DEFAULT_RPC_TIMEOUT_MS,
  closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
  drainWindowMs: 0,
  idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS,
  presenceTtlMs: DEFAULT_PRESENCE_TTL_MS,
  maxDataDepth: DEFAULT_MAX_DATA_DEPTH,
} as const satisfies Partial<RelaisOptions>;

/**
 * Applies the defaults, checks every option and parses the nested ones. Throws OptionsError
 * naming the first bad one.
 * @example resolveOptions({ pingIntervalMs: 5000 })
 */
export function resolveOptions(options: RelaisOptions = {}): ResolvedOptions {
  if (!isRecord(options)) throw new OptionsError('options must be an object');
  rejectUnknownKeys('options', options as Record<string, unknown>, KNOWN_KEYS);
  const given: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const scalars = { ...DEFAULT_OPTIONS, ...given } as Record<ScalarKeys, unknown>;
  if (typeof scalars.path !== 'string' || !scalars.path.startsWith('/')) {
    throw new OptionsError(`option path must be a string starting with "/", got ${show(scalars.path)}`);
  }
  for (const key of DURATION_KEYS) positiveInteger(key, scalars[key], { max: MAX_TIMER_MS, allowZero: key === 'drainWindowMs' });
  for (const key of COUNT_KEYS) positiveInteger(key, scalars[key]);
  positiveInteger('maxDataDepth', scalars.maxDataDepth, { max: MAX_DATA_DEPTH });
  const checked = scalars as Required<Pick<RelaisOptions, ScalarKeys>>;
  if (checked.maxQueueBytes < checked.maxMessageBytes) {
    throw new OptionsError(
      `option maxQueueBytes (${checked.maxQueueBytes}) must be at least maxMessageBytes (${checked.maxMessageBytes}): ` +
        'otherwise one full-size message would close the connection as slow',
    );
  }
  const maxPageBytes = resolvePageBytes(given.maxPageBytes, checked.maxQueueBytes);
  const engine = checkEngine(given.engine);
  const logger = checkLogger(given.logger);
  const auth = given.auth === undefined ? undefined : resolveAuthOptions(given.auth);
  const namespaces = resolveNamespaces(given.namespaces, auth !== undefined);
  if (given.allowedOrigins !== undefined) checkAllowedOrigins(given.allowedOrigins);
  const trustedProxies = given.trustedProxies === undefined ? undefined : resolveTrustedProxies(given.trustedProxies);
  const limits = resolveLimits(given.limits, checked.maxMessageBytes);
  return {
    nodeId: checkNodeId(given.nodeId),
    clusterHeartbeatMs: positiveInteger('clusterHeartbeatMs', given.clusterHeartbeatMs ?? DEFAULT_CLUSTER_HEARTBEAT_MS, {
      max: MAX_TIMER_MS,
    }),
    path: checked.path,
    pingIntervalMs: checked.pingIntervalMs,
    pongTimeoutMs: checked.pongTimeoutMs,
    connectTimeoutMs: checked.connectTimeoutMs,
    rpcTimeoutMs: checked.rpcTimeoutMs,
    closeTimeoutMs: checked.closeTimeoutMs,
    drainWindowMs: checked.drainWindowMs,
    idempotencyTtlMs: checked.idempotencyTtlMs,
    presenceTtlMs: checked.presenceTtlMs,
    maxMessageBytes: checked.maxMessageBytes,
    maxChannelsPerConnection: checked.maxChannelsPerConnection,
    maxConnections: checked.maxConnections,
    maxQueueBytes: checked.maxQueueBytes,
    maxDataDepth: checked.maxDataDepth,
    maxPageBytes,
    engine,
    logger,
    namespaces,
    contract: resolveContract(given.contract, namespaces),
    auth,
    proxy: given.proxy === undefined ? undefined : resolveProxyOptions(given.proxy),
    allowedOrigins: given.allowedOrigins as string[] | undefined,
    trustedProxies,
    limits,
    compression: resolveCompression(given.compression),
    httpTransports: checkBoolean('httpTransports', given.httpTransports, true),
    api: resolveApiOptions(given),
    metrics: resolveMetrics(given.metrics),
  };
}

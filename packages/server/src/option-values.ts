/**
 * @module option-values
 * The parsers of the node's single options that are more than a number (compression, metrics,
 * engine, nodeId, logger, maxPageBytes) and their types; options.ts applies them in
 * resolveOptions and re-exports the types.
 */
import { randomUUID } from 'node:crypto';
import type { Broker } from './broker.js';
import type { Logger } from './logger.js';
import { OptionsError, isRecord, positiveInteger, rejectUnknownKeys, show } from './option-checks.js';
import type { PresenceStore } from './presence.js';

const COMPRESSION_KEYS = new Set(['thresholdBytes', 'level']);
const DEFAULT_COMPRESSION: ResolvedCompression = { thresholdBytes: 1024, level: 1 };

/** permessage-deflate settings; inflated messages are capped at maxMessageBytes. */
export interface CompressionOptions {
  /** Outbound messages smaller than this are sent uncompressed, in bytes. @default 1024 */
  thresholdBytes?: number;
  /** zlib level, 0–9. @default 1 */
  level?: number;
}

/** The Prometheus endpoint `GET /metrics` (see docs/observability.md). */
export interface MetricsOptions {
  /**
   * A secret that scrapers send as `Authorization: Bearer <token>`; other requests get 401.
   * @default undefined: anyone who reaches the port may read the metrics
   */
  token?: string;
}

/** `metrics` once parsed: false, or the endpoint's settings. */
export type ResolvedMetrics = false | { readonly token: string | undefined };

/** The engine moves publications between nodes, keeps history and presence. */
export interface EngineOptions {
  broker: Broker;
  /** Who is in which channel. @default a MemoryPresenceStore (this process only) */
  presence?: PresenceStore;
}

/** permessage-deflate settings with their defaults applied. */
export interface ResolvedCompression {
  thresholdBytes: number;
  level: number;
}

/** The `compression` option: false, or permessage-deflate settings with their defaults. */
export function resolveCompression(value: unknown): ResolvedCompression | false {
  if (value === undefined || value === false) return false;
  if (value === true) return { ...DEFAULT_COMPRESSION };
  if (!isRecord(value)) throw new OptionsError('option compression must be a boolean or {thresholdBytes?, level?}');
  rejectUnknownKeys('option compression', value, COMPRESSION_KEYS);
  const { thresholdBytes = DEFAULT_COMPRESSION.thresholdBytes, level = DEFAULT_COMPRESSION.level } = value;
  if (typeof thresholdBytes !== 'number' || !Number.isInteger(thresholdBytes) || thresholdBytes < 0) {
    throw new OptionsError(`option compression.thresholdBytes must be a non-negative integer, got ${show(thresholdBytes)}`);
  }
  if (typeof level !== 'number' || !Number.isInteger(level) || level < 0 || level > 9) {
    throw new OptionsError(`option compression.level must be an integer from 0 to 9, got ${show(level)}`);
  }
  return { thresholdBytes, level };
}

/**
 * The `maxPageBytes` option. A page must leave room in the queue for live publications sent
 * meanwhile: half of maxQueueBytes by default.
 */
export function resolvePageBytes(value: unknown, maxQueueBytes: number): number {
  if (value === undefined) return Math.floor(maxQueueBytes / 2);
  const bytes = positiveInteger('maxPageBytes', value);
  if (bytes > maxQueueBytes) {
    throw new OptionsError(
      `option maxPageBytes (${bytes}) must be at most maxQueueBytes (${maxQueueBytes}): a larger page would close the connection as slow`,
    );
  }
  return bytes;
}

/** The `metrics` option: false, or the endpoint's settings. */
export function resolveMetrics(value: unknown): ResolvedMetrics {
  if (value === undefined || value === false) return false;
  if (value === true) return { token: undefined };
  if (!isRecord(value)) throw new OptionsError(`option metrics must be a boolean or {token?}, got ${show(value)}`);
  rejectUnknownKeys('option metrics', value, new Set(['token']));
  const { token } = value;
  if (token !== undefined && (typeof token !== 'string' || token.length === 0 || /\s/.test(token)))
    throw new OptionsError('option metrics.token must be a non-empty string without spaces');
  return { token };
}

/** The `engine` option: a Broker, and optionally a PresenceStore. */
export function checkEngine(engine: unknown): EngineOptions | undefined {
  if (engine === undefined) return undefined;
  if (!isRecord(engine) || typeof (engine.broker as Broker | undefined)?.publish !== 'function') {
    throw new OptionsError('option engine must be {broker: Broker}');
  }
  const presence = engine.presence as PresenceStore | undefined;
  if (presence !== undefined && (!isRecord(presence) || typeof presence.add !== 'function')) {
    throw new OptionsError('option engine.presence must be a PresenceStore');
  }
  return engine as unknown as EngineOptions;
}

/** The `nodeId` option, or a random UUID. */
export function checkNodeId(nodeId: unknown): string {
  if (nodeId === undefined) return randomUUID();
  if (typeof nodeId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(nodeId))
    throw new OptionsError(`option nodeId must be 1–64 characters among A–Z a–z 0–9 _ . : -, got ${show(nodeId)}`);
  return nodeId;
}

/** The `logger` option: anything with debug/info/warn/error methods. */
export function checkLogger(logger: unknown): Logger | undefined {
  if (logger === undefined) return undefined;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof (logger as Partial<Logger> | null)?.[level] !== 'function')
      throw new OptionsError(`option logger must have a ${level}() method`);
  }
  return logger as Logger;
}

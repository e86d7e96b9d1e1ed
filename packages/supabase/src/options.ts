/**
 * @module options
 * The options of the Supabase front-end, their defaults and their check.
 */

/** Namespace of the relais channels public Supabase topics map onto: `realtime:room1` → `supabase:room1`. */
export const DEFAULT_NAMESPACE = 'supabase';
/** Namespace of the channels of `private: true` joins: `realtime:room1` → `supabase-private:room1`. */
export const DEFAULT_PRIVATE_NAMESPACE = 'supabase-private';
/** Where the endpoints live, as on a Supabase project URL. */
export const DEFAULT_BASE_PATH = '/realtime/v1';
/** A socket that sends nothing (realtime-js heartbeats every 25 s) for this long is closed. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
/** Largest inbound WebSocket frame. */
export const DEFAULT_MAX_FRAME_BYTES = 1_048_576;
/** Most channels (topics) one socket may join at once (Supabase's per-client default). */
export const DEFAULT_MAX_CHANNELS_PER_SOCKET = 100;
/** Largest REST broadcast request body. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;
/** Where the PostgREST subset lives, as on a Supabase project URL. */
export const DEFAULT_REST_PATH = '/rest/v1';

export interface SupabaseOptions {
  /** Namespace of public topics' channels. @default 'supabase' */
  namespace?: string;
  /** Namespace of private topics' channels (joins with `config.private: true`). @default 'supabase-private' */
  privateNamespace?: string;
  /** Path prefix of the WebSocket (`<basePath>/websocket`) and REST (`<basePath>/api/broadcast`) endpoints. @default '/realtime/v1' */
  basePath?: string;
  /** Close a socket silent for this many ms. @default 60000 */
  idleTimeoutMs?: number;
  /** Largest inbound frame in bytes; a larger one closes the socket (1009). @default 1048576 */
  maxFrameBytes?: number;
  /** Most topics one socket holds; a join beyond gets an error reply. @default 100 */
  maxChannelsPerSocket?: number;
  /** Largest REST broadcast body in bytes (413 beyond). @default 1048576 */
  maxBodyBytes?: number;
  /** Path prefix of the PostgREST subset (`<restPath>/<table>`), served when a change feed is given. @default '/rest/v1' */
  restPath?: string;
  /** Feed tables (`table` or `schema.table`) that accept inserts (`POST <restPath>/<table>`); others answer 403. @default [] */
  restInsert?: string[];
}

export type ResolvedSupabaseOptions = Required<SupabaseOptions>;

const NAMESPACE = /^[A-Za-z0-9_-]{1,64}$/;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`supabase.${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Fills the defaults in and throws a TypeError naming the first bad field. */
export function resolveSupabaseOptions(options: SupabaseOptions = {}): ResolvedSupabaseOptions {
  const known = [
    'namespace',
    'privateNamespace',
    'basePath',
    'idleTimeoutMs',
    'maxFrameBytes',
    'maxChannelsPerSocket',
    'maxBodyBytes',
    'restPath',
    'restInsert',
  ];
  for (const key of Object.keys(options)) if (!known.includes(key)) throw new TypeError(`supabase: unknown option ${key}`);
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const privateNamespace = options.privateNamespace ?? DEFAULT_PRIVATE_NAMESPACE;
  for (const [name, value] of [
    ['namespace', namespace],
    ['privateNamespace', privateNamespace],
  ] as const) {
    if (!NAMESPACE.test(value)) throw new TypeError(`supabase.${name} must be 1–64 letters, digits, _ or -, got ${JSON.stringify(value)}`);
  }
  if (namespace === privateNamespace) throw new TypeError('supabase.namespace and supabase.privateNamespace must differ');
  const basePath = options.basePath ?? DEFAULT_BASE_PATH;
  if (!/^\/[^?#\s]*[^/?#\s]$/.test(basePath))
    throw new TypeError(`supabase.basePath must start with / and not end with /, got ${JSON.stringify(basePath)}`);
  const restPath = options.restPath ?? DEFAULT_REST_PATH;
  if (!/^\/[^?#\s]*[^/?#\s]$/.test(restPath))
    throw new TypeError(`supabase.restPath must start with / and not end with /, got ${JSON.stringify(restPath)}`);
  const restInsert = options.restInsert ?? [];
  if (!Array.isArray(restInsert) || restInsert.some((name) => typeof name !== 'string' || !/^[^.\s]+(\.[^.\s]+)?$/.test(name)))
    throw new TypeError('supabase.restInsert must list tables as "table" or "schema.table"');
  return {
    namespace,
    restPath,
    restInsert: [...restInsert],
    privateNamespace,
    basePath,
    idleTimeoutMs: positive('idleTimeoutMs', options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS),
    maxFrameBytes: positive('maxFrameBytes', options.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES),
    maxChannelsPerSocket: positive('maxChannelsPerSocket', options.maxChannelsPerSocket, DEFAULT_MAX_CHANNELS_PER_SOCKET),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
  };
}

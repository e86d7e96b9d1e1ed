/**
 * @module cli/config
 * Resolves the `relais serve` configuration: defaults < config file < environment < flags.
 */
import { readFile } from 'node:fs/promises';
import { resolveSupabaseOptions, type ResolvedSupabaseOptions, type SupabaseOptions } from '@relais/supabase';
import { UsageError, checkLogLevel, parsePort, type CliArgs } from './args.js';
import { applyApiConfig } from './api-config.js';
import { applyAuthConfig } from './auth-config.js';
import { resolveEngine, type EngineConfig } from './engine.js';
import { resolvePostgresConfig } from './postgres.js';
import { resolveMoodboardOptions } from '@relais/app-moodboard/server';
import type { ResolvedAdminOptions } from '@relais/app-admin/server';
import { resolveAdminConfig } from './admin-config.js';

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '0.0.0.0';
export const DEFAULT_LOG_LEVEL = 'info';

/** Numeric server options that can be overridden from the environment, by variable name. */
export const NUMERIC_ENV_OPTIONS: Readonly<Record<string, string>> = {
  RELAIS_PING_INTERVAL_MS: 'pingIntervalMs',
  RELAIS_PONG_TIMEOUT_MS: 'pongTimeoutMs',
  RELAIS_CONNECT_TIMEOUT_MS: 'connectTimeoutMs',
  RELAIS_MAX_MESSAGE_BYTES: 'maxMessageBytes',
  RELAIS_MAX_CHANNELS_PER_CONNECTION: 'maxChannelsPerConnection',
  RELAIS_MAX_CONNECTIONS: 'maxConnections',
  RELAIS_MAX_QUEUE_BYTES: 'maxQueueBytes',
  RELAIS_RPC_TIMEOUT_MS: 'rpcTimeoutMs',
  RELAIS_PRESENCE_TTL_MS: 'presenceTtlMs',
  RELAIS_MAX_DATA_DEPTH: 'maxDataDepth',
  RELAIS_MAX_PAGE_BYTES: 'maxPageBytes',
  RELAIS_API_MAX_BODY_BYTES: 'apiMaxBodyBytes',
};

/** Everything `relais serve` needs: where to listen, how to log, and the node's options. */
export interface ServeConfig {
  port: number;
  host: string;
  logLevel: string;
  /** The cluster engine (the file's `engine`, RELAIS_ENGINE/RELAIS_REDIS_URL, --engine/--redis-url). */
  engine: EngineConfig;
  /** Options passed to createRelais (validated there). */
  options: Record<string, unknown>;
  /** Folder of the built apps; false: none; absent: the repository's apps when built. */
  apps?: string | false;
  /**
   * Options of the demo chat and counter (validated by installDemo); false: no demo.
   * @default on without a config file; off (and no apps) with one, unless it sets `demo`
   */
  demo?: Record<string, unknown> | false;
  /** Options of the Postgres change feed (the file's `postgres`, RELAIS_POSTGRES_URL); absent: no feed. */
  postgres?: Record<string, unknown>;
  /**
   * The mood board demo app (the file's `moodboard`: `{table, keep}`, checked; false: off). It
   * runs when the demo is on and `postgres` is set.
   */
  moodboard?: { table: string; keep: number } | false;
  /**
   * Options of the Supabase Realtime front-end, checked; absent: not served. The file's
   * `supabase: true` (or an object of its options) serves it (docs/supabase.md).
   */
  supabase?: ResolvedSupabaseOptions;
  /**
   * The admin dashboard at /admin/ (the file's `admin`, RELAIS_ADMIN_PASSWORD,
   * RELAIS_ADMIN_JWT_SECRET), checked; absent: off, and /admin/ answers 404 saying so.
   */
  admin?: ResolvedAdminOptions;
}

type Env = Readonly<Record<string, string | undefined>>;
type ReadText = (path: string) => Promise<string>;

async function loadFile(path: string, read: ReadText): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await read(path);
  } catch (cause) {
    throw new UsageError(`cannot read config file ${path}: ${(cause as Error).message}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`config file ${path} must contain a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * `RELAIS_METRICS` (`true` or `false`) turns GET /metrics on or off; `RELAIS_METRICS_TOKEN` turns
 * it on behind that bearer token (kept out of config files). Mutates `options`.
 */
function applyMetricsEnv(options: Record<string, unknown>, env: Env): void {
  const flag = env.RELAIS_METRICS;
  if (flag !== undefined && flag !== '') {
    if (flag !== 'true' && flag !== 'false') throw new UsageError(`RELAIS_METRICS must be true or false, got ${JSON.stringify(flag)}`);
    options.metrics = flag === 'true';
  }
  const token = env.RELAIS_METRICS_TOKEN;
  if (token !== undefined && token !== '') {
    if (options.metrics === false) throw new UsageError('RELAIS_METRICS_TOKEN is set but metrics are off');
    const file = typeof options.metrics === 'object' && options.metrics !== null ? options.metrics : {};
    options.metrics = { ...file, token };
  }
}

function numberFromEnv(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`${name} must be a number, got ${JSON.stringify(text)}`);
  }
  return value;
}

/**
 * Merges defaults, the config file, the environment and the flags.
 * The file's `port`, `host`, `logLevel`, `engine`, `apps`, `demo`, `postgres`, `moodboard`, `supabase` and `admin` are read here; every other
 * key goes to createRelais.
 */
export async function resolveServeConfig(
  args: CliArgs,
  env: Env = process.env,
  read: ReadText = (path) => readFile(path, 'utf8'),
): Promise<ServeConfig> {
  const configPath = args.config ?? env.RELAIS_CONFIG;
  const file = configPath ? await loadFile(configPath, read) : {};
  const {
    port: filePort,
    host: fileHost,
    logLevel: fileLogLevel,
    engine: fileEngine,
    apps: fileApps,
    demo: fileDemo,
    postgres: filePostgres,
    supabase: fileSupabase,
    moodboard: fileMoodboard,
    admin: fileAdmin,
    ...options
  } = file;
  const source = configPath ?? '';

  let port = DEFAULT_PORT;
  if (filePort !== undefined) port = parsePort(String(filePort), `${source}: port`);
  if (env.RELAIS_PORT !== undefined) port = parsePort(env.RELAIS_PORT, 'RELAIS_PORT');
  if (args.port !== undefined) port = args.port;

  let host = DEFAULT_HOST;
  if (fileHost !== undefined) {
    if (typeof fileHost !== 'string' || fileHost === '') throw new UsageError(`${source}: host must be a non-empty string`);
    host = fileHost;
  }
  if (env.RELAIS_HOST) host = env.RELAIS_HOST;
  if (args.host !== undefined) host = args.host;

  let logLevel = DEFAULT_LOG_LEVEL;
  if (fileLogLevel !== undefined) logLevel = checkLogLevel(String(fileLogLevel), `${source}: logLevel`);
  if (env.RELAIS_LOG_LEVEL) logLevel = checkLogLevel(env.RELAIS_LOG_LEVEL, 'RELAIS_LOG_LEVEL');
  if (args.logLevel !== undefined) logLevel = args.logLevel;

  for (const [name, option] of Object.entries(NUMERIC_ENV_OPTIONS)) {
    const text = env[name];
    if (text !== undefined) options[option] = numberFromEnv(name, text);
  }
  await applyAuthConfig(options, env, read, source);
  if (env.RELAIS_PROXY_SECRET) {
    // The backend hooks' signing secret stays out of config files, like the auth secrets.
    if (typeof options.proxy !== 'object' || options.proxy === null) {
      throw new UsageError('RELAIS_PROXY_SECRET is set but the config file has no "proxy" section');
    }
    options.proxy = { ...options.proxy, secret: env.RELAIS_PROXY_SECRET };
  }
  applyApiConfig(options, env);
  applyMetricsEnv(options, env);
  const engine = resolveEngine({ file: fileEngine, fileName: source, env, flagType: args.engine, flagUrls: args.redisUrls });
  const config: ServeConfig = { port, host, logLevel, engine, options };
  if (fileApps !== undefined) {
    if (fileApps !== false && (typeof fileApps !== 'string' || fileApps === ''))
      throw new UsageError(`${source}: apps must be a folder path or false`);
    config.apps = fileApps;
  }
  if (env.RELAIS_APPS) config.apps = env.RELAIS_APPS;
  if (args.apps !== undefined) config.apps = args.apps;

  if (fileDemo !== undefined) {
    if (typeof fileDemo !== 'boolean' && (typeof fileDemo !== 'object' || fileDemo === null || Array.isArray(fileDemo))) {
      throw new UsageError(`${source}: demo must be an object of demo options, true or false`);
    }
    config.demo = fileDemo === true ? {} : (fileDemo as Record<string, unknown> | false);
  } else if (configPath) {
    // A config file describes a deployment: it gets no demo surface (chat rules, 24 h history,
    // presence, RPCs any client may call) and no demo apps unless it asks for them.
    config.demo = false;
    config.apps ??= false;
  }
  if (args.demo === false) config.demo = false;
  if (fileMoodboard !== undefined) {
    if (fileMoodboard === false) config.moodboard = false;
    else if (fileMoodboard === true || (typeof fileMoodboard === 'object' && fileMoodboard !== null && !Array.isArray(fileMoodboard))) {
      try {
        config.moodboard = resolveMoodboardOptions(fileMoodboard === true ? {} : (fileMoodboard as Record<string, unknown>));
      } catch (cause) {
        throw new UsageError(`${source}: ${(cause as Error).message}`, { cause });
      }
    } else throw new UsageError(`${source}: moodboard must be an object {table, keep}, true or false`);
  }
  // The mood board adds its table to the feed's: with it, postgres.tables may be left out.
  const moodboard = config.demo !== false && config.moodboard !== false;
  const postgres = resolvePostgresConfig(filePostgres, source, env, { moodboard });
  if (postgres) config.postgres = postgres;
  if (fileSupabase !== undefined) {
    if (typeof fileSupabase !== 'boolean' && (typeof fileSupabase !== 'object' || fileSupabase === null || Array.isArray(fileSupabase))) {
      throw new UsageError(`${source}: supabase must be an object of Supabase front-end options, true or false`);
    }
    if (fileSupabase !== false) {
      try {
        config.supabase = resolveSupabaseOptions(fileSupabase === true ? {} : (fileSupabase as SupabaseOptions));
      } catch (cause) {
        throw new UsageError(`${source}: ${(cause as Error).message}`, { cause });
      }
    }
  }
  const admin = resolveAdminConfig(fileAdmin, source, env);
  if (admin) config.admin = admin;
  return config;
}

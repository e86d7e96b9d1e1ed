/**
 * @module cli/args
 * Parses `relais` command lines into a command and its flags. Pure: no I/O.
 */

export const USAGE = `relais — realtime messaging server

Usage:
  relais serve [options]     start a server node
  relais tokens <connect|subscribe|verify> [options]
                             sign or check JWTs with the node's key (relais tokens --help)
  relais publish <channel> <json|-> [--api URL] [--api-key KEY] [--user ID]
                             publish through a node's server API (relais publish --help)
  relais bench <ws-url> [--connections N] [--subscribers N] [--rate N] [--duration 10s] …
                             load a node, print deliveries/s and latency (relais bench --help)
  relais --help              show this help
  relais --version           print the version

Options for serve:
  -p, --port <n>         port to listen on (env RELAIS_PORT, default 8080)
  -H, --host <addr>      address to bind (env RELAIS_HOST, default 0.0.0.0)
  -c, --config <file>    JSON config file (env RELAIS_CONFIG)
      --log-level <lvl>  trace|debug|info|warn|error|fatal|silent (env RELAIS_LOG_LEVEL, default info)
      --apps <dir>       serve the built apps of <dir>: <dir>/chat/dist at /, <dir>/counter/dist at
                         /counter (env RELAIS_APPS, default: this repository's apps when built)
      --no-apps          serve no apps
      --no-demo          do not install the demo chat and counter (rooms, RPCs, validation)

      --engine <type>    memory (one node) or redis (several nodes as one server)
                         (env RELAIS_ENGINE, default memory)
      --redis-url <url>  Redis of the redis engine, e.g. redis://127.0.0.1:6379; repeat it to
                         shard channels over several Redis instances (env RELAIS_REDIS_URL,
                         comma-separated; key prefix: env RELAIS_REDIS_PREFIX, default relais)

Server API (see docs/api.md): RELAIS_API_KEY (comma-separated keys) turns on POST /api/<method>;
RELAIS_API_PORT and RELAIS_API_HOST give it a listener of its own; RELAIS_API_MAX_BODY_BYTES.

Security (see docs/security.md): the config file's "auth", "allowedOrigins", "limits" and
namespace access rules; secrets from the environment: RELAIS_AUTH_HMAC_SECRET,
RELAIS_AUTH_PUBLIC_KEY_FILE or RELAIS_AUTH_JWKS_URL; RELAIS_ALLOWED_ORIGINS (comma-separated).

Precedence: defaults < config file < environment < command-line flags.
Probes: GET /health (live) and GET /ready (ready for traffic) on the same port. Metrics: GET
/metrics when the file's "metrics" or env RELAIS_METRICS=true (RELAIS_METRICS_TOKEN: behind a
bearer token; see docs/observability.md). WebSocket endpoint: /connection/websocket.
Admin dashboard at /admin/ (see docs/admin.md): the file's "admin", or env RELAIS_ADMIN_PASSWORD
(12+ characters) or RELAIS_ADMIN_JWT_SECRET (admin JWTs); off otherwise (/admin/ answers 404).
`;

export type CliCommand = 'serve' | 'tokens' | 'help' | 'version';

export interface CliArgs {
  command: CliCommand;
  port?: number;
  host?: string;
  config?: string;
  logLevel?: string;
  /** Folder of the built apps, or false for none. */
  apps?: string | false;
  /** false when the demo's server side is off. */
  demo?: false;
  engine?: string;
  /** Every --redis-url, in order (one per shard). */
  redisUrls?: string[];
  /** The arguments after a subcommand with its own parser (`tokens`). */
  rest?: string[];
}

/** A command line that cannot be run; its message is meant for the terminal. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS: Record<string, 'port' | 'host' | 'config' | 'logLevel' | 'apps' | 'engine' | 'redisUrls'> = {
  '-p': 'port',
  '--port': 'port',
  '-H': 'host',
  '--host': 'host',
  '-c': 'config',
  '--config': 'config',
  '--log-level': 'logLevel',
  '--apps': 'apps',
  '--engine': 'engine',
  '--redis-url': 'redisUrls',
};

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Parses a port given as text; throws UsageError naming `source` when it is not one. */
export function parsePort(text: string, source: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`${source}: port must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
  }
  return port;
}

/** Checks a log level; throws UsageError naming `source` when unknown. */
export function checkLogLevel(level: string, source: string): string {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(`${source}: log level must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`);
  }
  return level;
}

/**
 * Parses argv (without node and script path).
 * @example parseArgs(['serve', '--port', '9000']) // { command: 'serve', port: 9000 }
 */
export function parseArgs(argv: readonly string[]): CliArgs {
  // `tokens` parses its own flags (and has its own --help).
  if (argv[0] === 'tokens') return { command: 'tokens', rest: argv.slice(1) };
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    return { command: 'help' };
  }
  if (argv.includes('--version') || argv.includes('-v')) return { command: 'version' };
  const [command, ...rest] = argv;
  if (command !== 'serve') {
    throw new UsageError(`unknown command ${JSON.stringify(command)} (try: relais serve, relais tokens, relais --help)`);
  }
  const args: CliArgs = { command: 'serve' };
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (token === '--no-apps') {
      args.apps = false;
      continue;
    }
    if (token === '--no-demo') {
      args.demo = false;
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    const key = FLAGS[name];
    if (!key) throw new UsageError(`unknown option ${JSON.stringify(name)} for serve`);
    const value = eq > 0 ? token.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new UsageError(`option ${name} needs a value`);
    if (key === 'port') args.port = parsePort(value, name);
    else if (key === 'logLevel') args.logLevel = checkLogLevel(value, name);
    else if (key === 'redisUrls') args.redisUrls = [...(args.redisUrls ?? []), value];
    else args[key] = value;
  }
  return args;
}

/**
 * @module cli/tokens-args
 * Parses the arguments of `relais tokens connect|subscribe|verify`. Pure: no I/O.
 */
import { UsageError } from './args.js';

export const TOKENS_USAGE = `relais tokens — sign and check the JWTs a relais node accepts

Usage:
  relais tokens connect --sub <user> [--ttl 1h] [--info JSON] [--channels a,b] [--claims JSON]
  relais tokens subscribe --channel <channel> [--sub <user>] [--client <id>] [--ttl 1h] [--claims JSON]
  relais tokens verify <jwt> [--channel <channel>] [--sub <user>] [--client <id>]

Options:
  -c, --config <file>      the node's JSON config file (env RELAIS_CONFIG): its auth key,
                           audience and issuer are used, as are RELAIS_AUTH_HMAC_SECRET,
                           RELAIS_AUTH_PUBLIC_KEY_FILE and RELAIS_AUTH_JWKS_URL
      --private-key <file> PEM private key (RSA, EC, Ed25519) to sign with when the node verifies
                           with a public key (env RELAIS_AUTH_PRIVATE_KEY_FILE)
      --sub <user>         the user id (sub claim)
      --ttl <duration>     lifetime: 90, 90s, 15m, 1h, 7d (default 1h)
      --info <JSON>        connection info attached to the user's publications and presence
      --channels <a,b>     channels the connection is subscribed to by the server at connect
      --channel <channel>  the channel a subscription token grants
      --client <id>        bind a subscription token to one connection (its client id)
      --claims <JSON>      extra claims (a JSON object), e.g. '{"role":"admin"}'

The token is printed on stdout. verify prints the verified claims as JSON (exit 0) or why the
node would refuse the token (exit 1).
`;

interface CommonArgs {
  config?: string;
  privateKey?: string;
  sub?: string;
  client?: string;
}

interface SignArgs extends CommonArgs {
  /** @default '1h' */
  ttl?: string;
  claims?: Record<string, unknown>;
}

export type ConnectTokenArgs = SignArgs & { kind: 'connect'; info?: unknown; channels?: string[] };
export type SubscribeTokenArgs = SignArgs & { kind: 'subscribe'; channel: string };
export type VerifyTokenArgs = CommonArgs & { kind: 'verify'; token: string; channel?: string };
export type TokenArgs = ConnectTokenArgs | SubscribeTokenArgs | VerifyTokenArgs;

export type ParsedTokenArgs = TokenArgs | { kind: 'help'; usage: string };

const UNITS: Record<string, number> = { '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration such as `90` (seconds), `90s`, `15m`, `1h` or `7d`, in ms.
 * @example parseDuration('1h', '--ttl') // 3600000
 */
export function parseDuration(text: string, source: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text);
  const ms = match ? Number(match[1]) * UNITS[match[2]!]! : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new UsageError(`${source}: a duration such as 90s, 15m, 1h or 7d, greater than 0, got ${JSON.stringify(text)}`);
  }
  return ms;
}

function json(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`${source} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

const FLAGS: Record<string, string> = {
  '-c': 'config',
  '--config': 'config',
  '--private-key': 'privateKey',
  '--sub': 'sub',
  '--ttl': 'ttl',
  '--info': 'info',
  '--channels': 'channels',
  '--channel': 'channel',
  '--client': 'client',
  '--claims': 'claims',
};

/** Flags each kind takes besides -c and --private-key. */
const ALLOWED: Record<TokenArgs['kind'], string[]> = {
  connect: ['sub', 'ttl', 'info', 'channels', 'claims'],
  subscribe: ['sub', 'ttl', 'channel', 'client', 'claims'],
  verify: ['sub', 'channel', 'client'],
};

/**
 * Parses argv after `tokens`.
 * @example parseTokenArgs(['connect', '--sub', '42']) // { kind: 'connect', sub: '42' }
 */
export function parseTokenArgs(argv: readonly string[]): ParsedTokenArgs {
  const [kind, ...rest] = argv;
  if (kind === undefined || kind === 'help' || argv.includes('--help') || argv.includes('-h')) return { kind: 'help', usage: TOKENS_USAGE };
  if (kind !== 'connect' && kind !== 'subscribe' && kind !== 'verify') {
    throw new UsageError(`unknown tokens command ${JSON.stringify(kind)} (connect, subscribe or verify)`);
  }
  const values: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    if (!token.startsWith('-')) {
      positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    const key = FLAGS[name];
    if (!key || !(key === 'config' || key === 'privateKey' || ALLOWED[kind].includes(key))) {
      throw new UsageError(`unknown option ${JSON.stringify(name)} for tokens ${kind}`);
    }
    const value = eq > 0 ? token.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new UsageError(`option ${name} needs a value`);
    values[key] = value;
  }
  const common: CommonArgs = {};
  if (values.config !== undefined) common.config = values.config;
  if (values.privateKey !== undefined) common.privateKey = values.privateKey;
  if (values.sub !== undefined) common.sub = values.sub;
  if (values.client !== undefined) common.client = values.client;
  if (kind === 'verify') {
    if (positional.length !== 1) throw new UsageError('tokens verify needs one token: relais tokens verify <jwt>');
    return { kind, ...common, token: positional[0]!, ...(values.channel !== undefined && { channel: values.channel }) };
  }
  if (positional.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])} for tokens ${kind}`);
  if (values.ttl !== undefined) parseDuration(values.ttl, '--ttl');
  let claims: Record<string, unknown> | undefined;
  if (values.claims !== undefined) {
    const parsed = json(values.claims, '--claims');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError('--claims must be a JSON object');
    claims = parsed as Record<string, unknown>;
  }
  const signed = { ...common, ...(values.ttl !== undefined && { ttl: values.ttl }), ...(claims && { claims }) };
  if (kind === 'subscribe') {
    if (values.channel === undefined) throw new UsageError('tokens subscribe needs --channel <channel>');
    return { kind, ...signed, channel: values.channel };
  }
  if (values.sub === undefined) throw new UsageError('tokens connect needs --sub <user>');
  const args: ConnectTokenArgs = { kind, ...signed };
  if (values.info !== undefined) args.info = json(values.info, '--info');
  if (values.channels !== undefined) {
    args.channels = values.channels
      .split(',')
      .map((channel) => channel.trim())
      .filter((channel) => channel !== '');
  }
  return args;
}

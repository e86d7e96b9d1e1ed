/**
 * @module cli/bench-args
 * Parses and checks the arguments of `relais bench <url>`. Pure: no I/O.
 */
import { UsageError } from './args.js';

export const BENCH_USAGE = `relais bench — load a relais node and measure deliveries and latency

Usage:
  relais bench <url> [--connections 100] [--subscribers 10] [--rate 100] [--duration 10s]
                     [--encoding json|msgpack] [--transport websocket|http_stream|sse|long_poll]
                     [--token JWT] [--payload-bytes 100] [--publishers N] [--workers 1]
                     [--channel-prefix bench:] [--drain 5s] [--json]

<url> is the node's WebSocket endpoint, e.g. ws://127.0.0.1:8080/connection/websocket (a URL
without a path gets /connection/websocket). HTTP transports use the endpoints next to it.

Options:
      --connections <n>     subscriber connections (default 100)
      --subscribers <n>     subscribers per channel (default 10, at most --connections);
                            channels = ceil(connections / subscribers)
      --rate <n>            publications per second over all channels, round-robin (default 100)
      --duration <d>        how long to publish: 500ms, 10s, 2m (default 10s, at most 1h)
      --encoding <e>        json or msgpack (default json; msgpack needs --transport websocket)
      --transport <t>       websocket, http_stream, sse or long_poll (default websocket);
                            sse needs an EventSource (Node 20: the eventsource package)
      --token <jwt>         connection token of every connection (env RELAIS_TOKEN)
      --payload-bytes <n>   padding in each publication (default 100, at most 1048576)
      --publishers <n>      publishing connections, extra to --connections
                            (default: one per 500 publications/s)
      --workers <n>         threads the subscribers are spread over (default 1: all in the main
                            thread with the publishers); their raw samples are merged
      --channel-prefix <p>  channels are <p><run id>-<n> (default bench:); the node must let
                            clients subscribe and publish there
      --drain <d>           after publishing, how long to wait for deliveries in flight (default 5s)
      --json                print the result as one JSON object instead of text

Publications carry the time they were sent, stamped by this process; latency is measured when a
subscriber receives them, over every raw sample. A progress line goes to stderr every second.
Exit 0 when every accepted publication reached every subscriber once and nothing failed, 1
otherwise, 2 for a bad command line.
`;

export type BenchTransport = 'websocket' | 'http_stream' | 'sse' | 'long_poll';
export type BenchEncoding = 'json' | 'msgpack';

export interface BenchArgs {
  command: 'bench';
  url: string;
  connections: number;
  subscribersPerChannel: number;
  channels: number;
  ratePerSecond: number;
  durationMs: number;
  encoding: BenchEncoding;
  transport: BenchTransport;
  token: string | undefined;
  payloadBytes: number;
  publishers: number;
  workers: number;
  channelPrefix: string;
  drainMs: number;
  json: boolean;
}

export const DEFAULT_BENCH_CONNECTIONS = 100;
export const DEFAULT_BENCH_SUBSCRIBERS = 10;
export const DEFAULT_BENCH_RATE = 100;
export const DEFAULT_BENCH_DURATION_MS = 10_000;
export const DEFAULT_BENCH_PAYLOAD_BYTES = 100;
export const DEFAULT_BENCH_DRAIN_MS = 5_000;
/** Publications per second one publisher sends by default (a node allows 1,000 commands/s per connection). */
export const BENCH_RATE_PER_PUBLISHER = 500;
export const MAX_BENCH_DURATION_MS = 3_600_000;
export const MAX_BENCH_DRAIN_MS = 60_000;
export const MAX_BENCH_CONNECTIONS = 100_000;
export const MAX_BENCH_RATE = 1_000_000;
export const MAX_BENCH_PAYLOAD_BYTES = 1_048_576;
export const MAX_BENCH_WORKERS = 64;
/** Deliveries one run may call for: the ledger keeps one bit for each. */
export const MAX_BENCH_DELIVERIES = 1_000_000_000;

const TRANSPORTS: readonly BenchTransport[] = ['websocket', 'http_stream', 'sse', 'long_poll'];
const ENCODINGS: readonly BenchEncoding[] = ['json', 'msgpack'];
const VALUE_FLAGS = [
  '--connections',
  '--subscribers',
  '--rate',
  '--duration',
  '--encoding',
  '--transport',
  '--token',
  '--payload-bytes',
  '--publishers',
  '--workers',
  '--channel-prefix',
  '--drain',
] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration such as `500ms`, `10s`, `2m`, `1h` or `10` (seconds), in ms.
 * @example parseBenchDuration('2m', '--duration') // 120000
 */
export function parseBenchDuration(text: string, flag: string, maxMs: number): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text);
  const ms = match ? Number(match[1]) * UNITS[match[2] ?? 's']! : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > maxMs) {
    throw new UsageError(
      `${flag}: a duration such as 500ms, 10s or 2m, greater than 0 and at most ${maxMs / 1000} s, got ${JSON.stringify(text)}`,
    );
  }
  return ms;
}

function integer(text: string, flag: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag}: an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function oneOf<T extends string>(text: string, flag: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`${flag}: one of ${allowed.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return text as T;
}

/** The WebSocket endpoint: ws(s) only; a bare origin gets the default path. */
export function benchUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `bench needs the node's WebSocket URL, such as ws://127.0.0.1:8080/connection/websocket, got ${JSON.stringify(text)}`,
    );
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new UsageError(`the URL must be ws:// or wss:// (the node's WebSocket endpoint), got ${JSON.stringify(text)}`);
  }
  if (url.pathname === '/') url.pathname = '/connection/websocket';
  return url.href;
}

function splitFlags(rest: readonly string[]): { values: Partial<Record<ValueFlag, string>>; json: boolean; positional: string[] } {
  const values: Partial<Record<ValueFlag, string>> = {};
  const positional: string[] = [];
  let json = false;
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (!token.startsWith('--')) {
      positional.push(token);
      continue;
    }
    if (token === '--json') {
      json = true;
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    if (!(VALUE_FLAGS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown option ${JSON.stringify(name)} for bench (try: relais bench --help)`);
    }
    const value = eq > 0 ? token.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new UsageError(`option ${name} needs a value`);
    if (values[name as ValueFlag] !== undefined) throw new UsageError(`option ${name} is given twice`);
    values[name as ValueFlag] = value;
  }
  return { values, json, positional };
}

/** Parses the arguments after `bench`; `env` gives RELAIS_TOKEN. Throws UsageError. */
export function parseBenchArgs(
  rest: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): BenchArgs | { command: 'help'; usage: string } {
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help', usage: BENCH_USAGE };
  const { values: v, json, positional } = splitFlags(rest);
  if (positional.length !== 1) throw new UsageError('bench needs one URL: relais bench ws://host:8080/connection/websocket [options]');
  const connections = integer(v['--connections'] ?? String(DEFAULT_BENCH_CONNECTIONS), '--connections', 1, MAX_BENCH_CONNECTIONS);
  const subscribersPerChannel = integer(
    v['--subscribers'] ?? String(Math.min(DEFAULT_BENCH_SUBSCRIBERS, connections)),
    '--subscribers',
    1,
    connections,
  );
  const ratePerSecond = integer(v['--rate'] ?? String(DEFAULT_BENCH_RATE), '--rate', 1, MAX_BENCH_RATE);
  const encoding = oneOf(v['--encoding'] ?? 'json', '--encoding', ENCODINGS);
  const transport = oneOf(v['--transport'] ?? 'websocket', '--transport', TRANSPORTS);
  if (encoding === 'msgpack' && transport !== 'websocket') {
    throw new UsageError(`--encoding msgpack needs --transport websocket: ${transport} carries JSON`);
  }
  const token = v['--token'] ?? env.RELAIS_TOKEN;
  const durationMs = parseBenchDuration(v['--duration'] ?? `${DEFAULT_BENCH_DURATION_MS}ms`, '--duration', MAX_BENCH_DURATION_MS);
  const deliveries = Math.ceil((ratePerSecond * durationMs) / 1000) * subscribersPerChannel;
  if (deliveries > MAX_BENCH_DELIVERIES) {
    throw new UsageError(
      `--rate × --duration × --subscribers calls for ${deliveries} deliveries, more than ${MAX_BENCH_DELIVERIES}: shorten --duration`,
    );
  }
  return {
    command: 'bench',
    url: benchUrl(positional[0] as string),
    connections,
    subscribersPerChannel,
    channels: Math.ceil(connections / subscribersPerChannel),
    ratePerSecond,
    durationMs,
    encoding,
    transport,
    token: token === '' ? undefined : token,
    payloadBytes: integer(v['--payload-bytes'] ?? String(DEFAULT_BENCH_PAYLOAD_BYTES), '--payload-bytes', 0, MAX_BENCH_PAYLOAD_BYTES),
    publishers: integer(
      v['--publishers'] ?? String(Math.ceil(ratePerSecond / BENCH_RATE_PER_PUBLISHER)),
      '--publishers',
      1,
      MAX_BENCH_CONNECTIONS,
    ),
    workers: integer(v['--workers'] ?? '1', '--workers', 1, MAX_BENCH_WORKERS),
    channelPrefix: v['--channel-prefix'] ?? 'bench:',
    drainMs: parseBenchDuration(v['--drain'] ?? `${DEFAULT_BENCH_DRAIN_MS}ms`, '--drain', MAX_BENCH_DRAIN_MS),
    json,
  };
}

/**
 * @module cli/publish
 * `relais publish <channel> <json|->` (and `--user <id> <json|->`): one call to a node's server
 * API (`publish`, or `send_user`), for scripts. Prints the result as JSON; any failure is one
 * `relais: …` line on stderr and a non-zero exit (1: the call failed, 2: a bad command line).
 */
import { UsageError } from './args.js';

export const PUBLISH_USAGE = `Usage:
  relais publish <channel> <json|-> [--api URL] [--api-key KEY]
  relais publish --user <id> <json|-> [--api URL] [--api-key KEY]

Publishes <json> (or stdin with -) to <channel> through the server API, or sends it to every
connection of a user with --user. --api defaults to RELAIS_API_URL, then http://127.0.0.1:8080;
--api-key to RELAIS_API_KEY (the first key when it lists several).
`;

/** Time the node has to answer, in ms. */
export const PUBLISH_TIMEOUT_MS = 10_000;

export interface PublishArgs {
  command: 'publish';
  /** Absent with `user`. */
  channel?: string;
  /** The JSON text, or '-' for stdin. */
  data: string;
  api?: string;
  apiKey?: string;
  user?: string;
}

const FLAGS: Record<string, 'api' | 'apiKey' | 'user'> = { '--api': 'api', '--api-key': 'apiKey', '--user': 'user' };

/** Parses the arguments after `publish`. */
export function parsePublishArgs(rest: readonly string[]): PublishArgs | { command: 'help'; usage: string } {
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help', usage: PUBLISH_USAGE };
  const flags: Partial<Record<'api' | 'apiKey' | 'user', string>> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i] as string;
    if (!token.startsWith('--')) {
      positional.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 ? token.slice(0, eq) : token;
    const key = FLAGS[name];
    if (!key) throw new UsageError(`unknown option ${JSON.stringify(name)} for publish (try: relais publish --help)`);
    const value = eq > 0 ? token.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new UsageError(`option ${name} needs a value`);
    flags[key] = value;
  }
  const wanted = flags.user === undefined ? 2 : 1;
  if (positional.length !== wanted) {
    throw new UsageError(
      flags.user === undefined
        ? 'publish needs a channel and the data: relais publish <channel> <json|->'
        : 'publish --user needs the data only: relais publish --user <id> <json|->',
    );
  }
  const args: PublishArgs = { command: 'publish', data: positional[wanted - 1] as string, ...flags };
  if (flags.user === undefined) args.channel = positional[0];
  return args;
}

export interface PublishIo {
  env: Readonly<Record<string, string | undefined>>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Reads all of stdin (for `-`). @default process.stdin */
  stdin?: () => Promise<string>;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseData(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the data (${source}) is not valid JSON: ${(error as Error).message}`);
  }
}

/** The base URL of the API: without a trailing slash, http(s) only. */
function apiBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--api must be a URL such as http://127.0.0.1:8080, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--api must be an http or https URL, got ${JSON.stringify(text)}`);
  return url.href.replace(/\/+$/, '');
}

/** Runs `relais publish`; resolves with the exit code. Throws UsageError for a bad command line. */
export async function runPublish(args: PublishArgs, io: PublishIo): Promise<number> {
  const base = apiBase(args.api ?? io.env.RELAIS_API_URL ?? 'http://127.0.0.1:8080');
  const key = args.apiKey ?? io.env.RELAIS_API_KEY?.split(',')[0]?.trim();
  if (!key) throw new UsageError('no API key: give --api-key or set RELAIS_API_KEY');
  const data = args.data === '-' ? parseData(await (io.stdin ?? readStdin)(), 'stdin') : parseData(args.data, 'argument');
  const [method, params] =
    args.user === undefined ? ['publish', { channel: args.channel, data }] : ['send_user', { user: args.user, data }];
  const url = `${base}/api/${method}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify(params),
      signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${PUBLISH_TIMEOUT_MS} ms`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    io.err(`relais: cannot reach ${url}: ${why}\n`);
    return 1;
  }
  const text = await response.text();
  let body: { result?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    io.err(`relais: ${url} answered HTTP ${response.status} without a JSON body (is it a relais node with the server API on?)\n`);
    return 1;
  }
  if (!response.ok || body.error) {
    const { code, message } = body.error ?? {};
    io.err(`relais: ${method} failed: ${String(code ?? '?')} ${String(message ?? 'no error message')} (HTTP ${response.status})\n`);
    return 1;
  }
  io.out(`${JSON.stringify(body.result)}\n`);
  return 0;
}

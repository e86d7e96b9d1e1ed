/**
 * @module api/api-options
 * The server API's options (`apiKeys`, `apiPort`, `apiHost`, `apiMaxBodyBytes`,
 * `apiTimeoutMs`): their defaults and checks. Without `apiKeys` the API is off.
 */
import { OptionsError, durationMs, positiveInteger, show } from '../option-checks.js';

/** Largest request body of the server API, in bytes (1 MiB). */
export const DEFAULT_API_MAX_BODY_BYTES = 1_048_576;
/** How long a cluster-wide API method waits for each node's answer, in ms. */
export const DEFAULT_API_TIMEOUT_MS = 5_000;

/** The server API, resolved; undefined (in ResolvedOptions.api) when it is off. */
export interface ResolvedApiOptions {
  readonly keys: readonly string[];
  /** A port of its own (0: a free one) serving only the API; undefined: the node's port. */
  readonly port: number | undefined;
  /** Address of the API's own port; undefined: the host given to `listen`. */
  readonly host: string | undefined;
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
}

export interface ApiOptionFields {
  apiKeys?: unknown;
  apiPort?: unknown;
  apiHost?: unknown;
  apiMaxBodyBytes?: unknown;
  apiTimeoutMs?: unknown;
}

function checkKeys(keys: unknown): string[] {
  if (!Array.isArray(keys) || keys.length === 0)
    throw new OptionsError(`option apiKeys must be a non-empty array of strings (omit it to turn the API off), got ${show(keys)}`);
  keys.forEach((key: unknown, i) => {
    if (typeof key !== 'string' || key.length === 0 || /\s|,/.test(key))
      throw new OptionsError(`option apiKeys[${i}] must be a non-empty string without spaces or commas`);
  });
  return keys as string[];
}

/** Checks the API options; returns undefined when the API is off (no `apiKeys`). */
export function resolveApiOptions(given: ApiOptionFields): ResolvedApiOptions | undefined {
  const { apiKeys, apiPort, apiHost, apiMaxBodyBytes, apiTimeoutMs } = given;
  if (apiPort !== undefined && (typeof apiPort !== 'number' || !Number.isInteger(apiPort) || apiPort < 0 || apiPort > 65_535))
    throw new OptionsError(`option apiPort must be an integer from 0 to 65535, got ${show(apiPort)}`);
  if (apiHost !== undefined && (typeof apiHost !== 'string' || apiHost === ''))
    throw new OptionsError(`option apiHost must be a non-empty string, got ${show(apiHost)}`);
  if (apiHost !== undefined && apiPort === undefined)
    throw new OptionsError('option apiHost needs apiPort: without it the API is served on the node’s own port and host');
  const maxBodyBytes = positiveInteger('apiMaxBodyBytes', apiMaxBodyBytes ?? DEFAULT_API_MAX_BODY_BYTES);
  const timeoutMs = durationMs('apiTimeoutMs', apiTimeoutMs ?? DEFAULT_API_TIMEOUT_MS);
  if (apiKeys === undefined) {
    const set = Object.entries({ apiPort, apiHost, apiMaxBodyBytes, apiTimeoutMs }).find(([, value]) => value !== undefined);
    if (set) throw new OptionsError(`option ${set[0]} needs apiKeys: without a key the server API is off`);
    return undefined;
  }
  return { keys: checkKeys(apiKeys), port: apiPort as number | undefined, host: apiHost as string | undefined, maxBodyBytes, timeoutMs };
}

/**
 * @module cli/api-config
 * `relais serve` specifics of the server API options: its keys from the environment (so they
 * stay out of config files), its own port and host.
 */
import { UsageError, parsePort } from './args.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * `RELAIS_API_KEY` (one key, or several comma-separated for rotation) replaces `apiKeys`;
 * `RELAIS_API_PORT` and `RELAIS_API_HOST` replace `apiPort` and `apiHost`. Mutates `options`.
 */
export function applyApiConfig(options: Record<string, unknown>, env: Env): void {
  const keys = env.RELAIS_API_KEY;
  if (keys !== undefined && keys.trim() !== '') {
    const list = keys
      .split(',')
      .map((key) => key.trim())
      .filter((key) => key !== '');
    if (list.length === 0) throw new UsageError('RELAIS_API_KEY holds no key');
    options.apiKeys = list;
  }
  if (env.RELAIS_API_PORT !== undefined && env.RELAIS_API_PORT !== '') options.apiPort = parsePort(env.RELAIS_API_PORT, 'RELAIS_API_PORT');
  if (env.RELAIS_API_HOST !== undefined && env.RELAIS_API_HOST !== '') options.apiHost = env.RELAIS_API_HOST;
}

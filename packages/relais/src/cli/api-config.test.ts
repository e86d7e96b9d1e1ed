import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { resolveServeConfig } from './config.js';

const file = (content: Record<string, unknown>) => async () => JSON.stringify(content);

describe('the server API settings of relais serve', () => {
  it('take the keys from RELAIS_API_KEY, comma-separated, over the file’s', async () => {
    const read = file({ apiKeys: ['from-file'], apiPort: 9001 });
    const fromFile = await resolveServeConfig({ command: 'serve', config: 'r.json' }, {}, read);
    expect(fromFile.options).toEqual({ apiKeys: ['from-file'], apiPort: 9001 });
    const env = { RELAIS_API_KEY: 'new, old', RELAIS_API_PORT: '9002', RELAIS_API_HOST: '127.0.0.1', RELAIS_API_MAX_BODY_BYTES: '2048' };
    const fromEnv = await resolveServeConfig({ command: 'serve', config: 'r.json' }, env, read);
    expect(fromEnv.options).toEqual({ apiKeys: ['new', 'old'], apiPort: 9002, apiHost: '127.0.0.1', apiMaxBodyBytes: 2048 });
  });

  it('leave the API off when RELAIS_API_KEY is empty and nothing else sets keys', async () => {
    expect((await resolveServeConfig({ command: 'serve' }, { RELAIS_API_KEY: '' })).options).toEqual({});
  });

  it('refuse a bad RELAIS_API_PORT or a RELAIS_API_KEY of commas only', async () => {
    await expect(resolveServeConfig({ command: 'serve' }, { RELAIS_API_PORT: 'http' })).rejects.toThrow(
      new UsageError('RELAIS_API_PORT: port must be an integer from 0 to 65535, got "http"'),
    );
    await expect(resolveServeConfig({ command: 'serve' }, { RELAIS_API_KEY: ' , ' })).rejects.toThrow(
      new UsageError('RELAIS_API_KEY holds no key'),
    );
  });
});

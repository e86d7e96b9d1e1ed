import { describe, expect, it } from 'vitest';
import { UsageError } from './args.js';
import { resolveServeConfig } from './config.js';

const files = (content: Record<string, string>) => async (path: string) => {
  const text = content[path];
  if (text === undefined) throw new Error(`ENOENT: no such file, open '${path}'`);
  return text;
};

describe('resolveServeConfig', () => {
  it('reads the moodboard key: its options checked, false to turn it off', async () => {
    const serve = (moodboard: unknown) =>
      resolveServeConfig({ command: 'serve', config: 'm.json' }, {}, files({ 'm.json': JSON.stringify({ demo: true, moodboard }) }));
    expect((await serve({ table: 'moods' })).moodboard).toEqual({ table: 'moods', keep: 200 });
    expect((await serve(true)).moodboard).toEqual({ table: 'humeur', keep: 200 });
    expect((await serve(false)).moodboard).toBe(false);
    await expect(serve({ table: 'Moods; DROP' })).rejects.toThrow(
      new UsageError('m.json: moodboard.table must be a lowercase SQL name (a-z, 0-9, _), got "Moods; DROP"'),
    );
    await expect(serve({ keep: -1 })).rejects.toThrow('m.json: moodboard.keep must be a positive integer, got -1');
    await expect(serve('humeur')).rejects.toThrow('m.json: moodboard must be an object {table, keep}, true or false');
    expect((await resolveServeConfig({ command: 'serve' }, {}, files({}))).moodboard).toBeUndefined();
  });

  it('lets postgres.tables be left out only when the mood board runs (the demo on, the board not off)', async () => {
    const serve = (config: object) =>
      resolveServeConfig({ command: 'serve', config: 'p.json' }, {}, files({ 'p.json': JSON.stringify(config) }));
    const url = 'postgres://h/db';
    expect((await serve({ demo: true, postgres: { url } })).postgres).toEqual({ url, tables: [] });
    await expect(serve({ postgres: { url } })).rejects.toThrow('p.json: postgres.tables must list at least one table');
    await expect(serve({ demo: true, moodboard: false, postgres: { url } })).rejects.toThrow(/postgres.tables must list/);
  });

  it('uses the defaults with nothing else given', async () => {
    expect(await resolveServeConfig({ command: 'serve' }, {}, files({}))).toEqual({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      engine: { type: 'memory' },
      options: {},
    });
  });

  it('takes the config file over defaults, env over the file, and flags over env', async () => {
    const read = files({ 'r.json': JSON.stringify({ port: 7000, host: '127.0.0.1', logLevel: 'warn', pingIntervalMs: 1000 }) });
    const fromFile = await resolveServeConfig({ command: 'serve', config: 'r.json' }, {}, read);
    expect(fromFile).toEqual({
      port: 7000,
      host: '127.0.0.1',
      logLevel: 'warn',
      engine: { type: 'memory' },
      options: { pingIntervalMs: 1000 },
      apps: false,
      demo: false,
    });

    const env = { RELAIS_PORT: '7100', RELAIS_HOST: '::1', RELAIS_LOG_LEVEL: 'debug', RELAIS_PING_INTERVAL_MS: '2000' };
    const fromEnv = await resolveServeConfig({ command: 'serve', config: 'r.json' }, env, read);
    expect(fromEnv).toEqual({
      port: 7100,
      host: '::1',
      logLevel: 'debug',
      engine: { type: 'memory' },
      options: { pingIntervalMs: 2000 },
      apps: false,
      demo: false,
    });

    const fromFlags = await resolveServeConfig(
      { command: 'serve', config: 'r.json', port: 7200, host: 'localhost', logLevel: 'error' },
      env,
      read,
    );
    expect(fromFlags).toMatchObject({ port: 7200, host: 'localhost', logLevel: 'error' });
  });

  it('reads every numeric option of NUMERIC_ENV_OPTIONS from the environment', async () => {
    const config = await resolveServeConfig(
      { command: 'serve' },
      { RELAIS_MAX_DATA_DEPTH: '16', RELAIS_PRESENCE_TTL_MS: '30000' },
      files({}),
    );
    expect(config.options).toMatchObject({ maxDataDepth: 16, presenceTtlMs: 30_000 });
  });

  it('finds the config file through RELAIS_CONFIG', async () => {
    const read = files({ 'env.json': '{"port": 9999}' });
    expect((await resolveServeConfig({ command: 'serve' }, { RELAIS_CONFIG: 'env.json' }, read)).port).toBe(9999);
  });

  it('says which file is missing', async () => {
    await expect(resolveServeConfig({ command: 'serve', config: 'nope.json' }, {}, files({}))).rejects.toThrow(
      "cannot read config file nope.json: ENOENT: no such file, open 'nope.json'",
    );
  });

  it('rejects a config file that is not JSON or not an object', async () => {
    await expect(resolveServeConfig({ command: 'serve', config: 'a' }, {}, files({ a: '{port: 1' }))).rejects.toThrow(
      /^config file a is not valid JSON: /,
    );
    await expect(resolveServeConfig({ command: 'serve', config: 'b' }, {}, files({ b: '[1]' }))).rejects.toThrow(
      'config file b must contain a JSON object',
    );
  });

  it('rejects bad values with the place they came from', async () => {
    await expect(resolveServeConfig({ command: 'serve' }, { RELAIS_PORT: 'http' }, files({}))).rejects.toThrow(
      'RELAIS_PORT: port must be an integer from 0 to 65535, got "http"',
    );
    await expect(resolveServeConfig({ command: 'serve' }, { RELAIS_MAX_CONNECTIONS: 'lots' }, files({}))).rejects.toThrow(
      new UsageError('RELAIS_MAX_CONNECTIONS must be a number, got "lots"'),
    );
    const read = files({ c: '{"port": 123456}' });
    await expect(resolveServeConfig({ command: 'serve', config: 'c' }, {}, read)).rejects.toThrow('c: port: port must be an integer');
  });

  it('reads apps and demo from the file, RELAIS_APPS over the file, and flags over both', async () => {
    const read = files({ r: JSON.stringify({ apps: 'file/apps', demo: { maxRooms: 5 } }) });
    expect(await resolveServeConfig({ command: 'serve', config: 'r' }, {}, read)).toMatchObject({
      apps: 'file/apps',
      demo: { maxRooms: 5 },
      options: {},
    });
    expect(await resolveServeConfig({ command: 'serve', config: 'r' }, { RELAIS_APPS: 'env/apps' }, read)).toMatchObject({
      apps: 'env/apps',
    });
    expect(
      await resolveServeConfig({ command: 'serve', config: 'r', apps: false, demo: false }, { RELAIS_APPS: 'env/apps' }, read),
    ).toMatchObject({
      apps: false,
      demo: false,
    });
    const unset = await resolveServeConfig({ command: 'serve' }, {}, files({}));
    expect('apps' in unset || 'demo' in unset).toBe(false);
  });

  it('rejects apps and demo values of the wrong kind', async () => {
    await expect(resolveServeConfig({ command: 'serve', config: 'c' }, {}, files({ c: '{"apps": 1}' }))).rejects.toThrow(
      'c: apps must be a folder path or false',
    );
    await expect(resolveServeConfig({ command: 'serve', config: 'c' }, {}, files({ c: '{"demo": 1}' }))).rejects.toThrow(
      'c: demo must be an object of demo options, true or false',
    );
  });

  it('installs the demo and serves the apps without a config file, and not with one unless it asks', async () => {
    expect(await resolveServeConfig({ command: 'serve' }, {}, files({}))).not.toHaveProperty('demo');
    const locked = await resolveServeConfig({ command: 'serve', config: 'c' }, {}, files({ c: '{"auth": {}}' }));
    expect(locked).toMatchObject({ demo: false, apps: false });
    const asked = await resolveServeConfig({ command: 'serve', config: 'c' }, {}, files({ c: '{"demo": true}' }));
    expect(asked.demo).toEqual({});
    expect(asked).not.toHaveProperty('apps');
    const withApps = await resolveServeConfig({ command: 'serve', config: 'c' }, { RELAIS_APPS: '/srv/apps' }, files({ c: '{}' }));
    expect(withApps).toMatchObject({ demo: false, apps: '/srv/apps' });
  });

  it('turns /metrics on from the environment, behind a token kept out of the file', async () => {
    const read = files({ 'm.json': JSON.stringify({ metrics: true }) });
    expect((await resolveServeConfig({ command: 'serve' }, { RELAIS_METRICS: 'true' }, read)).options).toEqual({ metrics: true });
    expect((await resolveServeConfig({ command: 'serve', config: 'm.json' }, { RELAIS_METRICS: 'false' }, read)).options).toEqual({
      metrics: false,
    });
    expect((await resolveServeConfig({ command: 'serve', config: 'm.json' }, { RELAIS_METRICS_TOKEN: 't0k' }, read)).options).toEqual({
      metrics: { token: 't0k' },
    });
    await expect(resolveServeConfig({ command: 'serve' }, { RELAIS_METRICS: 'yes' }, read)).rejects.toThrow(UsageError);
    await expect(resolveServeConfig({ command: 'serve' }, { RELAIS_METRICS: 'false', RELAIS_METRICS_TOKEN: 't' }, read)).rejects.toThrow(
      /metrics are off/,
    );
  });
});

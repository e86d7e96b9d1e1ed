import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { TestClient } from '@relais/server/testkit';
import { SignJWT, type JWTPayload } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOMS_CHANNEL, ROOMS_RPC } from '@relais/app-chat/server';
import { COUNTER_GET_RPC } from '@relais/app-counter/server';
import { applyAuthConfig } from './auth-config.js';
import { main, type Served } from './main.js';

const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }).toString();

/** Signs `claims` with an exp one hour ahead: HS256 with SECRET unless told. */
function sign(claims: JWTPayload, { alg = 'HS256', key }: { alg?: string; key?: KeyObject } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key ?? new TextEncoder().encode(SECRET));
}

const LOCKED_CONFIG = {
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  auth: { audience: 'relais', issuer: 'https://auth.example.com' },
  allowedOrigins: ['https://app.example.com'],
  namespaces: {
    chat: { subscribeAccess: 'authenticated', publishAccess: 'subscribers', publishRate: { perSecond: 5, burst: 10 } },
    user: { subscribeAccess: 'owner', publishAccess: 'nobody' },
    secret: { subscribeAccess: 'token', publishAccess: 'nobody' },
  },
  limits: { perConnection: { commands: { perSecond: 50, burst: 100 } }, perIp: { connections: { perSecond: 10, burst: 50 } } },
};

let dir: string | undefined;
let served: Served | undefined;
const clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await served?.stop();
  served = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const sink = new Writable({ write: (_chunk, _enc, done) => done() });

async function serve(config: unknown, env: Record<string, string>): Promise<Served> {
  dir = await mkdtemp(join(tmpdir(), 'relais-locked-'));
  const path = join(dir, 'relais.json');
  await writeFile(path, JSON.stringify(config));
  const errors: string[] = [];
  const outcome = await main(['serve', '--config', path], { env, out: () => {}, err: (t) => errors.push(t), tty: false, logStream: sink });
  if (typeof outcome === 'number') throw new Error(`exit ${outcome}: ${errors.join('')}`);
  served = outcome;
  return outcome;
}

async function open(port: number, origin?: string): Promise<TestClient> {
  const client = await TestClient.open(`ws://127.0.0.1:${port}/connection/websocket`, {
    protocols: JSON_SUBPROTOCOL,
    ...(origin ? { headers: { origin } } : {}),
  });
  clients.push(client);
  return client;
}

const token = (sub: string, extra: Record<string, unknown> = {}): Promise<string> =>
  sign({ sub, aud: 'relais', iss: 'https://auth.example.com', ...extra });

describe('relais serve --config, locked down', () => {
  it('runs with the secret from RELAIS_AUTH_HMAC_SECRET and enforces tokens, access rules and origins', async () => {
    const { port } = await serve(LOCKED_CONFIG, { RELAIS_AUTH_HMAC_SECRET: SECRET });
    const anonymous = await open(port);
    anonymous.sendValues([{ id: 1, method: 'connect' }]);
    expect((await anonymous.closed).code).toBe(3500);

    const ada = await open(port, 'https://app.example.com');
    expect(await ada.call('connect', { token: await token('ada') })).toMatchObject({ user: 'ada', expiresInMs: expect.any(Number) });
    expect(await ada.call('subscribe', { channel: 'user:#ada' })).toBeDefined();
    expect(await ada.command('subscribe', { channel: 'user:#bob' })).toMatchObject({ error: { code: 103 } });
    expect(await ada.command('subscribe', { channel: 'secret:x' })).toMatchObject({ error: { code: 103 } });
    expect(await ada.command('publish', { channel: 'chat:a', data: 1 })).toMatchObject({ error: { code: 103 } });
    expect(await ada.command('subscribe', { channel: 'other:x' })).toMatchObject({ error: { code: 102 } });

    await expect(open(port, 'https://evil.example')).rejects.toMatchObject({ statusCode: 403 });

    // A config file carries no demo surface: no demo RPCs, channels, history or apps.
    expect(await ada.command('rpc', { method: ROOMS_RPC })).toMatchObject({ error: { code: 104 } });
    expect(await ada.command('rpc', { method: COUNTER_GET_RPC })).toMatchObject({ error: { code: 104 } });
    expect(await ada.command('subscribe', { channel: ROOMS_CHANNEL })).toMatchObject({ error: { code: 102 } });
    expect(await ada.call('subscribe', { channel: 'chat:lobby' })).not.toHaveProperty('recoverable');
    expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(404);
  });

  it('reads a PEM public key from auth.publicKeyFile', async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-locked-'));
    const keyPath = join(dir, 'key.pem');
    await writeFile(keyPath, pem(RSA.publicKey));
    const config = { ...LOCKED_CONFIG, auth: { ...LOCKED_CONFIG.auth, publicKeyFile: keyPath } };
    const keepDir = dir;
    const { port } = await serve(config, {});
    await rm(keepDir, { recursive: true, force: true });
    const client = await open(port);
    const rs = await sign({ sub: 'r', aud: 'relais', iss: 'https://auth.example.com' }, { alg: 'RS256', key: RSA.privateKey });
    expect(await client.call('connect', { token: rs })).toMatchObject({ user: 'r' });
  });

  it('exits with 2 and names the option when the auth config is invalid', async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-locked-'));
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ port: 0, host: '127.0.0.1', auth: { hmacSecret: 'short' } }));
    const errors: string[] = [];
    const code = await main(['serve', '--config', path], {
      env: {},
      out: () => {},
      err: (t) => errors.push(t),
      tty: false,
      logStream: sink,
    });
    expect(code).toBe(2);
    expect(errors.join('')).toContain('option auth.hmacSecret must be at least 32 bytes long');
  });
});

describe('applyAuthConfig', () => {
  const read = async (path: string): Promise<string> => {
    if (path === 'key.pem') return 'PEM';
    throw new Error('ENOENT');
  };

  it('replaces the key source of the file with the one from the environment', async () => {
    const options: Record<string, unknown> = { auth: { jwksUrl: 'https://a.example/jwks', audience: 'relais' } };
    await applyAuthConfig(options, { RELAIS_AUTH_HMAC_SECRET: 's3cret' }, read, 'f.json');
    expect(options.auth).toEqual({ audience: 'relais', hmacSecret: 's3cret' });
  });

  it('creates auth from the environment alone, and reads the public key file', async () => {
    const options: Record<string, unknown> = {};
    await applyAuthConfig(
      options,
      { RELAIS_AUTH_PUBLIC_KEY_FILE: 'key.pem', RELAIS_ALLOWED_ORIGINS: 'https://a.example, https://*.b.example' },
      read,
      'f.json',
    );
    expect(options).toEqual({ auth: { publicKey: 'PEM' }, allowedOrigins: ['https://a.example', 'https://*.b.example'] });
  });

  it('refuses two key sources in the environment and an unreadable key file', async () => {
    await expect(applyAuthConfig({}, { RELAIS_AUTH_HMAC_SECRET: 'a', RELAIS_AUTH_JWKS_URL: 'https://x' }, read, 'f')).rejects.toThrow(
      'set only one of RELAIS_AUTH_HMAC_SECRET, RELAIS_AUTH_JWKS_URL',
    );
    await expect(applyAuthConfig({ auth: { publicKeyFile: 'missing.pem' } }, {}, read, 'f')).rejects.toThrow(
      'cannot read auth.publicKeyFile missing.pem',
    );
  });
});

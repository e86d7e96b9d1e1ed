import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { TestClient } from '@relais/server/testkit';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { main, type Served } from './main.js';

const SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
const CONFIG = {
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  auth: { audience: 'relais', issuer: 'https://auth.example.com' },
  namespaces: { news: {}, secret: { subscribeAccess: 'token', publishAccess: 'nobody' } },
};

let dir: string | undefined;
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function file(name: string, text: string): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'relais-tokens-'));
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Runs `relais <argv>` and collects what it wrote. */
async function run(argv: string[], env: Record<string, string> = {}): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await main(argv, { env, out: (t) => (out += t), err: (t) => (err += t), tty: false });
  if (typeof status !== 'number') throw new Error('expected an exit status');
  return { status, out, err };
}

async function token(argv: string[], env: Record<string, string> = { RELAIS_AUTH_HMAC_SECRET: SECRET }): Promise<string> {
  const { status, out, err } = await run(['tokens', ...argv], env);
  expect(err).toBe('');
  expect(status).toBe(0);
  return out.trim();
}

async function serve(config: unknown, env: Record<string, string>): Promise<Served> {
  const path = await file('relais.json', JSON.stringify(config));
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const served = await main(['serve', '--config', path], { env, out: () => {}, err: () => {}, tty: false, logStream: sink });
  if (typeof served === 'number') throw new Error(`exit ${served}`);
  cleanup.push(() => served.stop());
  return served;
}

async function open(port: number): Promise<TestClient> {
  const client = await TestClient.open(`ws://127.0.0.1:${port}/connection/websocket`, { protocols: JSON_SUBPROTOCOL });
  cleanup.push(() => client.close());
  return client;
}

describe('relais tokens', () => {
  it('signs connection tokens a node accepts, with info, channels, audience and issuer from the config', async () => {
    const env = { RELAIS_AUTH_HMAC_SECRET: SECRET };
    const { port } = await serve(CONFIG, env);
    const config = await file('relais.json', JSON.stringify(CONFIG));
    const jwt = await token(
      ['connect', '-c', config, '--sub', '42', '--ttl', '15m', '--info', '{"name":"Ada"}', '--channels', 'news:a,news:b'],
      env,
    );
    const claims = decodeJwt(jwt);
    expect(claims).toMatchObject({
      sub: '42',
      aud: 'relais',
      iss: 'https://auth.example.com',
      info: { name: 'Ada' },
      channels: ['news:a', 'news:b'],
    });
    expect(claims.exp! - claims.iat!).toBe(900);
    expect(decodeProtectedHeader(jwt).alg).toBe('HS256');

    const client = await open(port);
    expect(await client.call('connect', { token: jwt })).toMatchObject({ user: '42', channels: ['news:a', 'news:b'] });
  });

  it('signs subscription tokens bound to a channel and, with --client, to one connection', async () => {
    const env = { RELAIS_AUTH_HMAC_SECRET: SECRET };
    const { port } = await serve(CONFIG, env);
    const config = await file('relais.json', JSON.stringify(CONFIG));
    const client = await open(port);
    const { client: id } = await client.call<{ client: string }>('connect', {
      token: await token(['connect', '-c', config, '--sub', '42'], env),
    });
    const mine = await token(['subscribe', '-c', config, '--sub', '42', '--channel', 'secret:plans', '--client', id], env);
    expect(await client.call('subscribe', { channel: 'secret:plans', token: mine })).toMatchObject({ expiresInMs: expect.any(Number) });
    const another = await token(['subscribe', '-c', config, '--sub', '42', '--channel', 'secret:other', '--client', 'someone-else'], env);
    expect(await client.command('subscribe', { channel: 'secret:other', token: another })).toMatchObject({ error: { code: 103 } });
  });

  it('verifies a token as the node would: the claims, or why it is refused', async () => {
    const env = { RELAIS_AUTH_HMAC_SECRET: SECRET };
    const jwt = await token(['connect', '--sub', '42', '--claims', '{"role":"admin"}']);
    const good = await run(['tokens', 'verify', jwt], env);
    expect(good.status).toBe(0);
    expect(JSON.parse(good.out)).toMatchObject({ sub: '42', role: 'admin' });

    const sub = await token(['subscribe', '--sub', '42', '--channel', 'secret:plans']);
    expect((await run(['tokens', 'verify', sub], env)).status).toBe(0);
    const wrongChannel = await run(['tokens', 'verify', sub, '--channel', 'secret:other'], env);
    expect(wrongChannel).toMatchObject({ status: 1, err: 'relais: token refused: subscription token is for another channel\n' });

    const forged = await run(['tokens', 'verify', jwt], { RELAIS_AUTH_HMAC_SECRET: `${SECRET}-other` });
    expect(forged.status).toBe(1);
    expect(forged.err).toMatch(/^relais: token refused: invalid token \(ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
    expect(await run(['tokens', 'verify', 'garbage'], env)).toMatchObject({ status: 1, err: expect.stringContaining('invalid token') });
  });

  it('signs with a private key for a node that verifies with the public key file', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicKeyFile = await file('public.pem', publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const privateKeyFile = await file('private.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const config = await file('relais.json', JSON.stringify({ auth: { publicKeyFile } }));
    const jwt = await token(['connect', '-c', config, '--sub', '7'], { RELAIS_AUTH_PRIVATE_KEY_FILE: privateKeyFile });
    expect(decodeProtectedHeader(jwt).alg).toBe('EdDSA');
    expect(await run(['tokens', 'verify', '-c', config, jwt], {})).toMatchObject({ status: 0 });
    const noKey = await run(['tokens', 'connect', '-c', config, '--sub', '7'], {});
    expect(noKey).toMatchObject({ status: 2, err: expect.stringContaining('sign with its private key (--private-key') });
  });

  it('answers bad command lines with a message and status 2', async () => {
    const env = { RELAIS_AUTH_HMAC_SECRET: SECRET };
    const cases: [string[], string][] = [
      [['tokens', 'mint'], 'unknown tokens command "mint"'],
      [['tokens', 'connect'], 'tokens connect needs --sub <user>'],
      [['tokens', 'subscribe', '--sub', '1'], 'tokens subscribe needs --channel <channel>'],
      [['tokens', 'connect', '--sub', '1', '--ttl', '1y'], '--ttl: a duration such as 90s, 15m, 1h or 7d'],
      [['tokens', 'connect', '--sub', '1', '--ttl', '0'], 'greater than 0'],
      [['tokens', 'connect', '--sub', '1', '--info', '{'], '--info is not valid JSON'],
      [['tokens', 'connect', '--sub', '1', '--claims', '[1]'], '--claims must be a JSON object'],
      [['tokens', 'connect', '--sub', '1', '--channel', 'x'], 'unknown option "--channel" for tokens connect'],
      [['tokens', 'verify'], 'tokens verify needs one token'],
      [['tokens', 'connect', '--sub', '1', '--private-key', '/nonexistent/key.pem'], 'cannot read the private key /nonexistent/key.pem'],
    ];
    for (const [argv, message] of cases) {
      const result = await run(argv, env);
      expect(result.status, argv.join(' ')).toBe(2);
      expect(result.err, argv.join(' ')).toContain(message);
    }
    expect(await run(['tokens', 'connect', '--sub', '1'], {})).toMatchObject({
      status: 2,
      err: expect.stringContaining('no auth key configured'),
    });
    expect(await run(['tokens', 'connect', '--sub', '1'], { RELAIS_AUTH_HMAC_SECRET: 'short' })).toMatchObject({
      status: 2,
      err: expect.stringContaining('hmacSecret must be at least 32 bytes'),
    });
    expect((await run(['tokens', '--help'])).out).toContain('relais tokens connect --sub <user>');
  });
});

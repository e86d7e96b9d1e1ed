import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { TestClient } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { main, type Served } from './main.js';

const SECRET = 'proxy-secret-that-is-at-least-32-bytes!';
const cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function run(config: unknown, env: Record<string, string>): Promise<Served | { status: number; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'relais-proxy-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'relais.json');
  await writeFile(path, JSON.stringify(config));
  let err = '';
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const outcome = await main(['serve', '--config', path], { env, out: () => {}, err: (t) => (err += t), tty: false, logStream: sink });
  if (typeof outcome === 'number') return { status: outcome, err };
  cleanup.push(() => outcome.stop());
  return outcome;
}

describe('relais serve with backend hooks in the config file', () => {
  it('answers RPCs from the backend, signing with RELAIS_PROXY_SECRET: no TypeScript needed', async () => {
    const signatures: string[] = [];
    const backend: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
        signatures.push(req.headers['x-relais-signature'] === expected ? 'valid' : 'invalid');
        const { method, data } = JSON.parse(body) as { method: string; data: number };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: { data: { method, doubled: data * 2 } } }));
      });
    });
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => backend.close(resolve)));
    const url = `http://127.0.0.1:${(backend.address() as AddressInfo).port}/rpc`;

    const served = await run(
      { port: 0, host: '127.0.0.1', logLevel: 'silent', proxy: { rpc: [{ method: 'math.*', url }] } },
      {
        RELAIS_PROXY_SECRET: SECRET,
      },
    );
    if ('status' in served) throw new Error(served.err);
    const client = await TestClient.open(`ws://127.0.0.1:${served.port}/connection/websocket`, { protocols: JSON_SUBPROTOCOL });
    cleanup.push(() => client.close());
    await client.call('connect');
    expect(await client.call('rpc', { method: 'math.double', data: 21 })).toEqual({ data: { method: 'math.double', doubled: 42 } });
    expect(await client.command('rpc', { method: 'other' })).toMatchObject({ error: { code: 104 } });
    expect(signatures).toEqual(['valid']);
  });

  it('refuses a malformed proxy section at startup with a line naming the field', async () => {
    expect(await run({ proxy: { rpc: [{ method: 'a', url: 'nowhere' }] } }, {})).toEqual({
      status: 2,
      err: 'relais: option proxy.rpc[0].url must be an http:// or https:// URL, got "nowhere"\n',
    });
    expect(await run({ port: 0 }, { RELAIS_PROXY_SECRET: SECRET })).toEqual({
      status: 2,
      err: 'relais: RELAIS_PROXY_SECRET is set but the config file has no "proxy" section\n',
    });
  });
});

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { TestClient } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { findApps } from './apps.js';
import { main, type CliIo, type Served } from './main.js';

function io(): CliIo & { errors: string[] } {
  const errors: string[] = [];
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return { env: {}, out: () => {}, err: (text) => errors.push(text), tty: false, logStream: sink, errors };
}

describe('relais serve with apps', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function appsDir(apps: string[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'relais-apps-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    for (const app of apps) {
      await mkdir(join(dir, app, 'dist'), { recursive: true });
      await writeFile(join(dir, app, 'dist', 'index.html'), `<title>${app}</title>`);
    }
    return dir;
  }

  async function serve(argv: string[]): Promise<Served> {
    const served = await main(['serve', '--port', '0', '--host', '127.0.0.1', ...argv], io());
    if (typeof served === 'number') throw new Error(`exit ${served}`);
    cleanup.push(() => served.stop());
    return served;
  }

  it('serves the chat at /, the counter at /counter/, /health, and the demo over WebSocket', async () => {
    const served = await serve(['--apps', await appsDir(['chat', 'counter'])]);
    const base = `http://127.0.0.1:${served.port}`;
    const page = await fetch(`${base}/`);
    expect(await page.text()).toBe('<title>chat</title>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await (await fetch(`${base}/counter/`)).text()).toBe('<title>counter</title>');
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${base}/missing`)).status).toBe(404);

    const client = await TestClient.open(`ws://127.0.0.1:${served.port}/connection/websocket`);
    cleanup.push(() => client.close());
    await client.call('connect', { data: { name: 'Ada' } });
    expect(await client.call('rpc', { method: 'chat.rooms' })).toEqual({ data: { rooms: ['lobby', 'random'] } });
    // Without configured namespaces, the chat keeps history and every other namespace stays open.
    expect(await client.call('publish', { channel: 'chat:lobby', data: { text: 'hi' } })).toMatchObject({ offset: 1 });
    expect(await client.call('publish', { channel: 'news:today', data: 1 })).toEqual({});
    expect(await client.call('publish', { channel: 'nocolon', data: 1 })).toEqual({});
  });

  it('applies demo options from the config file and can turn the demo off', async () => {
    const dir = await appsDir(['chat']);
    const config = join(dir, 'relais.json');
    await writeFile(config, JSON.stringify({ demo: { rooms: ['only'] }, namespaces: { news: {} } }));
    const served = await serve(['--config', config]);
    const client = await TestClient.open(`ws://127.0.0.1:${served.port}/connection/websocket`);
    cleanup.push(() => client.close());
    await client.call('connect', { data: { name: 'Ada' } });
    expect(await client.call('rpc', { method: 'chat.rooms' })).toEqual({ data: { rooms: ['only'] } });
    // The demo's namespaces were added to the configured ones (chat with history); unlisted ones stay closed.
    expect(await client.call('publish', { channel: 'chat:only', data: { text: 'hi' } })).toMatchObject({ offset: 1 });
    expect(await client.command('publish', { channel: 'demo:counter', data: 1 })).toMatchObject({ error: { code: 103 } });
    expect(await client.command('publish', { channel: 'other:x', data: 1 })).toMatchObject({ error: { code: 102 } });

    const bare = await serve(['--no-demo', '--no-apps']);
    const other = await TestClient.open(`ws://127.0.0.1:${bare.port}/connection/websocket`);
    cleanup.push(() => other.close());
    await other.call('connect');
    expect(await other.command('rpc', { method: 'chat.rooms' })).toMatchObject({ error: { code: 104 } });
    expect((await fetch(`http://127.0.0.1:${bare.port}/`)).status).toBe(404);
  });

  it('exits with 2 for an apps folder without a built app, or bad demo options', async () => {
    const empty = await appsDir([]);
    const failing = io();
    expect(await main(['serve', '--port', '0', '--apps', empty], failing)).toBe(2);
    expect(failing.errors.join('')).toContain(`no built app in ${empty}`);

    const config = join(empty, 'bad.json');
    await writeFile(config, JSON.stringify({ demo: { maxRooms: -1 } }));
    const bad = io();
    expect(await main(['serve', '--port', '0', '--no-apps', '--config', config], bad)).toBe(2);
    expect(bad.errors.join('')).toContain('option demo.maxRooms must be a positive integer, got -1');
  });

  it('finds only the apps that are built', async () => {
    const dir = await appsDir(['counter']);
    expect(await findApps(dir)).toEqual([{ prefix: '/counter', dir: join(dir, 'counter', 'dist'), headers: expect.any(Object) }]);
    expect(await findApps(false)).toEqual([]);
  });

  it('mounts the mood board only for a node with Postgres', async () => {
    const dir = await appsDir(['counter', 'moodboard']);
    expect((await findApps(dir)).map((mount) => mount.prefix)).toEqual(['/counter']);
    expect((await findApps(dir, { postgres: true })).map((mount) => mount.prefix)).toEqual(['/counter', '/moodboard']);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createClient, type RealtimeChannel } from '@supabase/supabase-js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { main, type CliIo, type Served } from './main.js';

function io(): CliIo & { errors: string[] } {
  const errors: string[] = [];
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  return { env: {}, out: () => {}, err: (text) => errors.push(text), tty: false, logStream: sink, errors };
}

function subscribed(channel: RealtimeChannel): Promise<void> {
  return new Promise((resolve, reject) => channel.subscribe((status) => (status === 'SUBSCRIBED' ? resolve() : reject(new Error(status)))));
}

describe('relais serve with the supabase config key', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  async function configFile(content: unknown): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'relais-supabase-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'relais.json');
    await writeFile(path, JSON.stringify(content));
    return path;
  }

  it('serves Supabase Realtime: supabase-js clients broadcast and see presence', async () => {
    const served = await main(['serve', '--port', '0', '--host', '127.0.0.1', '--config', await configFile({ supabase: true })], io());
    if (typeof served === 'number') throw new Error(`exit ${served}`);
    cleanup.push(() => (served as Served).stop());
    const base = `http://127.0.0.1:${served.port}`;
    const client = (key: string) => {
      const supabase = createClient(base, key, { auth: { persistSession: false }, realtime: { transport: WebSocket as never } });
      cleanup.push(async () => {
        await supabase.removeAllChannels();
        supabase.realtime.disconnect();
      });
      return supabase;
    };
    const alice = client('anon').channel('room', { config: { presence: { key: 'alice' } } });
    const bob = client('anon').channel('room');
    const got = new Promise<unknown>((resolve) => bob.on('broadcast', { event: 'hi' }, ({ payload }) => resolve(payload)));
    const joined = new Promise<string>((resolve) => bob.on('presence', { event: 'join' }, ({ key }) => resolve(key)));
    await subscribed(bob);
    await subscribed(alice);
    await alice.track({});
    expect(await joined).toBe('alice');
    await alice.send({ type: 'broadcast', event: 'hi', payload: { n: 1 } });
    expect(await got).toEqual({ n: 1 });
  });

  it('refuses bad supabase options before starting (exit 2)', async () => {
    const out = io();
    expect(await main(['serve', '--port', '0', '--config', await configFile({ supabase: { idleTimeoutMs: -1 } })], out)).toBe(2);
    expect(out.errors.join('')).toContain('supabase.idleTimeoutMs must be a positive integer, got -1');
    expect(await main(['serve', '--port', '0', '--config', await configFile({ supabase: 'yes' })], out)).toBe(2);
    expect(out.errors.join('')).toContain('supabase must be an object of Supabase front-end options, true or false');
  });
});

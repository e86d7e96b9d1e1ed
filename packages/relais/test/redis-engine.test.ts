import { Writable } from 'node:stream';
import { main, type Served } from '../src/cli/main.js';
import { TestClient } from '@relais/server/testkit';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { REDIS_URL, deleteKeys, freePort, uniquePrefix } from '../../redis/test/redis-helpers.js';

const prefix = uniquePrefix('cli');
let served: Served[] = [];
let clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(served.map((node) => node.stop()));
  served = [];
  clients = [];
  await deleteKeys(REDIS_URL, prefix);
});

function io(env: Record<string, string> = {}) {
  const errors: string[] = [];
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  return { errors, logs, io: { env, out: () => {}, err: (text: string) => void errors.push(text), tty: false, logStream } };
}

async function serve(argv: string[], env: Record<string, string>): Promise<Served> {
  const result = await main(['serve', '--port', '0', '--host', '127.0.0.1', '--no-apps', '--no-demo', ...argv], io(env).io);
  if (typeof result === 'number') throw new Error(`relais serve exited with ${result}`);
  served.push(result);
  return result;
}

async function client(node: Served): Promise<TestClient> {
  const ws = await TestClient.open(`ws://127.0.0.1:${node.port}/connection/websocket`, { protocols: JSON_SUBPROTOCOL });
  clients.push(ws);
  await ws.call('connect');
  return ws;
}

describe('relais serve --engine redis', () => {
  it('runs two nodes that deliver each other’s publications through Redis', async () => {
    const a = await serve(['--engine', 'redis', '--redis-url', REDIS_URL], { RELAIS_REDIS_PREFIX: prefix });
    // The same through the environment only.
    const b = await serve([], { RELAIS_ENGINE: 'redis', RELAIS_REDIS_URL: REDIS_URL, RELAIS_REDIS_PREFIX: prefix });
    expect(a.config.engine).toEqual({ type: 'redis', urls: [REDIS_URL], prefix });
    const onA = await client(a);
    await onA.call('subscribe', { channel: 'room' });
    const onB = await client(b);
    await onB.call('publish', { channel: 'room', data: 'from b' });
    expect(await onA.nextPush()).toMatchObject({ type: 'publication', channel: 'room', data: 'from b' });
  });

  it('exits with 1 and a clear message when Redis is unreachable', async () => {
    const port = await freePort();
    const run = io({ RELAIS_REDIS_PREFIX: prefix });
    const code = await main(['serve', '--port', '0', '--engine', 'redis', '--redis-url', `redis://:pw@127.0.0.1:${port}`], run.io);
    expect(code).toBe(1);
    expect(run.errors.join('')).toMatch(
      new RegExp(`^relais: cannot start: RedisBroker: cannot connect to redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: `),
    );
  });

  it('exits with 2 on an invalid prefix, naming the option', async () => {
    const run = io({ RELAIS_REDIS_PREFIX: 'bad prefix' });
    const code = await main(['serve', '--port', '0', '--engine', 'redis', '--redis-url', REDIS_URL], run.io);
    expect(code).toBe(2);
    expect(run.errors.join('')).toContain('relais: option prefix must be 1–64 characters');
  });
});

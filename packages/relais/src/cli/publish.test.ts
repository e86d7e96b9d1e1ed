import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { createRelais, type Relais } from '@relais/server';
import { TestClient } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { main, type CliIo, type Served } from './main.js';

const KEY = 'cli-publish-key';

function io(env: Record<string, string> = {}, stdin?: string): CliIo & { output: string[]; errors: string[] } {
  const output: string[] = [];
  const errors: string[] = [];
  return {
    env,
    out: (text) => output.push(text),
    err: (text) => errors.push(text),
    tty: false,
    ...(stdin !== undefined && { stdin: async () => stdin }),
    output,
    errors,
  };
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('relais publish', () => {
  let relais: Relais | undefined;
  let clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await relais?.close();
    relais = undefined;
    clients = [];
  });

  /** A real node with the API on, and a WebSocket client of user 42 subscribed to chat:lobby. */
  async function nodeWithSubscriber(): Promise<{ base: string; subscriber: TestClient }> {
    relais = createRelais({ apiKeys: [KEY], namespaces: { chat: {} } });
    relais.onConnecting(() => ({ user: '42' }));
    const { port } = await relais.listen({ port: 0 });
    const subscriber = await TestClient.open(`ws://127.0.0.1:${port}${relais.options.path}`, { protocols: JSON_SUBPROTOCOL });
    clients.push(subscriber);
    await subscriber.call('connect');
    await subscriber.call('subscribe', { channel: 'chat:lobby' });
    return { base: `http://127.0.0.1:${port}`, subscriber };
  }

  it('publishes its argument to a real subscriber and prints the result', async () => {
    const { base, subscriber } = await nodeWithSubscriber();
    const cli = io();
    expect(await main(['publish', 'chat:lobby', '{"text":"hi"}', '--api', base, '--api-key', KEY], cli)).toBe(0);
    expect(cli.output).toEqual(['{}\n']);
    expect(await subscriber.nextPush((push) => push.type === 'publication')).toMatchObject({ channel: 'chat:lobby', data: { text: 'hi' } });
  });

  it('reads the data from stdin with -, and the URL and key from the environment', async () => {
    const { base, subscriber } = await nodeWithSubscriber();
    const cli = io({ RELAIS_API_URL: `${base}/`, RELAIS_API_KEY: `${KEY},old-key` }, '[1, 2, 3]\n');
    expect(await main(['publish', 'chat:lobby', '-'], cli)).toBe(0);
    expect(await subscriber.nextPush((push) => push.type === 'publication')).toMatchObject({ data: [1, 2, 3] });
  });

  it('sends to every connection of a user with --user', async () => {
    const { base, subscriber } = await nodeWithSubscriber();
    const cli = io({ RELAIS_API_KEY: KEY });
    expect(await main(['publish', '--user', '42', '"ping"', `--api=${base}`], cli)).toBe(0);
    expect(cli.output).toEqual(['{"delivered":1}\n']);
    expect(await subscriber.nextPush((push) => push.type === 'message')).toEqual({ type: 'message', data: 'ping' });
  });

  it('exits with 1 and says why when the node refuses the key or the call', async () => {
    const { base } = await nodeWithSubscriber();
    const wrongKey = io();
    expect(await main(['publish', 'chat:lobby', '1', '--api', base, '--api-key', 'wrong'], wrongKey)).toBe(1);
    expect(wrongKey.errors).toEqual([
      'relais: publish failed: 101 a valid API key is required: Authorization: apikey <key>, or X-API-Key (HTTP 401)\n',
    ]);
    const unknown = io();
    expect(await main(['publish', 'nope:x', '1', '--api', base, '--api-key', KEY], unknown)).toBe(1);
    expect(unknown.errors).toEqual(['relais: publish failed: 102 unknown channel nope:x: its namespace is not configured (HTTP 400)\n']);
  });

  it('exits with 1 when nothing listens at --api', async () => {
    const port = await closedPort();
    const cli = io();
    expect(await main(['publish', 'chat:lobby', '1', '--api', `http://127.0.0.1:${port}`, '--api-key', KEY], cli)).toBe(1);
    expect(cli.errors).toEqual([`relais: cannot reach http://127.0.0.1:${port}/api/publish: ECONNREFUSED\n`]);
  });

  it.each([
    [['publish', 'chat:lobby', '{oops', '--api-key', KEY], /^relais: the data \(argument\) is not valid JSON: /],
    [['publish', 'chat:lobby', '1'], /^relais: no API key: give --api-key or set RELAIS_API_KEY\n$/],
    [['publish', 'chat:lobby'], /^relais: publish needs a channel and the data: relais publish <channel> <json\|->\n$/],
    [['publish', '--user', '42', 'chat:lobby', '1'], /^relais: publish --user needs the data only/],
    [['publish', 'chat:lobby', '1', '--channel', 'x'], /^relais: unknown option "--channel" for publish/],
    [
      ['publish', 'chat:lobby', '1', '--api', 'ftp://x', '--api-key', KEY],
      /^relais: --api must be an http or https URL, got "ftp:\/\/x"\n$/,
    ],
  ])('exits with 2 for %j', async (argv, message) => {
    const cli = io();
    expect(await main(argv, cli)).toBe(2);
    expect(cli.errors.join('')).toMatch(message);
  });

  it('prints its usage with --help', async () => {
    const cli = io();
    expect(await main(['publish', '--help'], cli)).toBe(0);
    expect(cli.output.join('')).toMatch(/relais publish <channel> <json\|->/);
  });

  it('works against relais serve configured by the environment alone, which logs where the API is', async () => {
    const logs: string[] = [];
    const logStream = new Writable({ write: (chunk: Buffer, _encoding, done) => (logs.push(chunk.toString()), done()) });
    const served = await main(['serve', '--port', '0', '--host', '127.0.0.1', '--no-apps', '--no-demo'], {
      ...io({ RELAIS_API_KEY: KEY }),
      logStream,
    });
    if (typeof served === 'number') throw new Error(`relais serve exited with ${served}`);
    try {
      expect(logs.some((line) => line.includes('server API on /api/ of the node port'))).toBe(true);
      const cli = io({ RELAIS_API_KEY: KEY, RELAIS_API_URL: `http://127.0.0.1:${(served as Served).port}` });
      expect(await main(['publish', 'news', '{"title":"up"}'], cli)).toBe(0);
      expect(cli.output).toEqual(['{}\n']);
    } finally {
      await served.stop();
    }
  });
});

import { createServer } from 'node:net';
import { SignJWT } from 'jose';
import { ReplyError } from '@relais/protocol';
import { createRelais, type Relais } from '@relais/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { BenchResult } from './bench-report.js';
import { main } from './main.js';

/** Runs `relais bench <argv> --json` and parses what it printed. */
async function bench(argv: string[], env: Record<string, string> = {}): Promise<{ status: number; result: BenchResult; progress: string }> {
  let out = '';
  let progress = '';
  const status = await main(['bench', ...argv, '--json'], { env, out: (t) => (out += t), err: (t) => (progress += t), tty: false });
  if (typeof status !== 'number') throw new Error('expected an exit status');
  return { status, result: JSON.parse(out) as BenchResult, progress };
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

describe('relais bench', () => {
  let relais: Relais | undefined;
  afterEach(async () => {
    await relais?.close();
    relais = undefined;
  });

  /** A real node on port 0 that counts, on its side, the subscribers and accepted publications of each channel. */
  async function node(refuse: (n: number) => boolean = () => false, auth?: { hmacSecret: string }) {
    relais = createRelais({ namespaces: { bench: {} }, ...(auth && { auth }) });
    const subscribers = new Map<string, number>();
    const accepted = new Map<string, number>();
    let publishes = 0;
    relais.onSubscribe(({ channel }) => {
      subscribers.set(channel, (subscribers.get(channel) ?? 0) + 1);
    });
    relais.onPublish(({ channel }) => {
      if (refuse(++publishes)) throw new ReplyError(403, 'refused by the test');
      accepted.set(channel, (accepted.get(channel) ?? 0) + 1);
    });
    const { port } = await relais.listen({ port: 0, host: '127.0.0.1' });
    return { url: `ws://127.0.0.1:${port}/connection/websocket`, subscribers, accepted };
  }

  it('reports exactly the publications the node accepted and the deliveries they made, over a real WebSocket run', async () => {
    const { url, subscribers, accepted } = await node();
    const { status, result, progress } = await bench([url, '--connections', '6', '--subscribers', '3', '--rate', '40', '--duration', '1s']);
    expect([...subscribers.values()]).toEqual([3, 3]);
    const acceptedTotal = [...accepted.values()].reduce((a, b) => a + b, 0);
    expect(acceptedTotal).toBe(40); // 40/s for 1 s: rate × duration, whatever the timer's jitter
    expect(result).toMatchObject({
      connections: 6,
      channels: 2,
      connected: 6,
      published: acceptedTotal,
      accepted: acceptedTotal,
      failed: 0,
      unsettled: 0,
      expected: acceptedTotal * 3,
      delivered: acceptedTotal * 3,
      missing: 0,
      duplicated: 0,
      errors: { connect: 0, subscribe: 0, publish: 0, disconnect: 0 },
      ok: true,
    });
    expect(result.latencyMs.samples).toBe(acceptedTotal * 3);
    expect(status).toBe(0);
    expect(progress).toMatch(/^relais bench: 6\/6 subscribers \(1 thread\) and 1\/1 publishers connected/);
  });

  it('counts refused publications as failed, expects nothing of them, and exits 1', async () => {
    const { url, accepted } = await node((n) => n % 4 === 0);
    const { status, result } = await bench([
      url,
      '--connections',
      '2',
      '--subscribers',
      '2',
      '--rate',
      '40',
      '--duration',
      '500ms',
      '--encoding',
      'msgpack',
    ]);
    const acceptedTotal = accepted.get([...accepted.keys()][0]!) ?? 0;
    expect([result.published, result.failed]).toEqual([20, 5]);
    expect(result).toMatchObject({
      encoding: 'msgpack',
      accepted: acceptedTotal,
      expected: acceptedTotal * 2,
      delivered: acceptedTotal * 2,
      missing: 0,
      errors: { publish: result.failed },
      ok: false,
    });
    expect(result.errorMessages).toEqual([{ message: 'publish: refused by the test (403)', count: result.failed }]);
    expect(status).toBe(1);
  });

  it('runs over an HTTP transport (long_poll) with the same exact counts', async () => {
    const { url, accepted } = await node();
    const { status, result } = await bench([url, '--connections', '2', '--rate', '20', '--duration', '500ms', '--transport', 'long_poll']);
    expect([...accepted.values()]).toEqual([10]);
    expect(result).toMatchObject({ transport: 'long_poll', connected: 2, accepted: 10, expected: 20, delivered: 20, missing: 0, ok: true });
    expect(status).toBe(0);
  });

  it('connects with --token (or RELAIS_TOKEN) to a node that requires one, and counts the refusals without it', async () => {
    const secret = 'bench-test-secret-that-is-at-least-32-bytes';
    const { url } = await node(undefined, { hmacSecret: secret });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bench')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    const argv = [url, '--connections', '2', '--rate', '20', '--duration', '500ms'];
    const withFlag = await bench([...argv, '--token', token]);
    expect(withFlag.result).toMatchObject({ connected: 2, delivered: 20, ok: true });
    const withEnv = await bench(argv, { RELAIS_TOKEN: token });
    expect(withEnv.result).toMatchObject({ connected: 2, delivered: 20, ok: true });
    const without = await bench(argv);
    expect(without.result).toMatchObject({ connected: 0, published: 0, errors: { connect: 3 }, ok: false });
    expect(without.result.errorMessages[0]!.message).toMatch(/^connect: /);
    expect(without.status).toBe(1);
  });

  it('reports every connection failed when nothing listens, publishes nothing, and exits 1', async () => {
    const port = await closedPort();
    const { status, result } = await bench([`ws://127.0.0.1:${port}`, '--connections', '3', '--duration', '1s']);
    expect(result).toMatchObject({ connected: 0, published: 0, delivered: 0, errors: { connect: 4, subscribe: 0 }, ok: false });
    expect(status).toBe(1);
  });

  it('prints its usage for --help and a precise error for a bad flag', async () => {
    let out = '';
    let err = '';
    const io = { env: {}, out: (t: string) => (out += t), err: (t: string) => (err += t), tty: false };
    expect(await main(['bench', '--help'], io)).toBe(0);
    expect(out).toMatch(/^relais bench — load a relais node/);
    expect(await main(['bench', 'ws://127.0.0.1:1', '--rate', 'fast'], io)).toBe(2);
    expect(err).toBe('relais: --rate: an integer from 1 to 1000000, got "fast"\n');
  });
});

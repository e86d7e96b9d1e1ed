/**
 * `relais bench --workers`: worker threads load JavaScript (bench-worker.js beside the CLI), so
 * this test bundles the CLI and its worker from the sources and runs them in a child process
 * against a real node of this process, whose hooks count subscribers and accepted publications.
 */
import { execFile } from 'node:child_process';
import { createRelais, type Relais } from '@relais/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, type CliBundle } from './node-processes.js';

function runCli(cli: string, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...argv], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('relais bench --workers', () => {
  let bundle: CliBundle;
  let relais: Relais | undefined;
  beforeAll(async () => {
    bundle = await bundleCli();
  });
  afterAll(() => bundle.remove());
  afterEach(async () => {
    await relais?.close();
    relais = undefined;
  });

  it('spreads the subscribers over worker threads and merges their exact counts and raw samples', async () => {
    relais = createRelais({ namespaces: { bench: {} } });
    const subscribers = new Map<string, number>();
    let accepted = 0;
    relais.onSubscribe(({ channel }) => {
      subscribers.set(channel, (subscribers.get(channel) ?? 0) + 1);
    });
    relais.onPublish(() => {
      accepted++;
    });
    const { port } = await relais.listen({ port: 0, host: '127.0.0.1' });
    const argv = ['bench', `ws://127.0.0.1:${port}`, '--connections', '6', '--subscribers', '3', '--rate', '20', '--duration', '1s'];
    const { code, stdout, stderr } = await runCli(bundle.cli, [...argv, '--workers', '2', '--json']);
    expect(stderr).toMatch(/^relais bench: 6\/6 subscribers \(2 worker threads\) and 1\/1 publishers connected/);
    expect([...subscribers.values()]).toEqual([3, 3]);
    expect(accepted).toBe(20);
    expect(JSON.parse(stdout)).toMatchObject({
      workers: 2,
      connected: 6,
      published: 20,
      accepted: 20,
      expected: 60,
      delivered: 60,
      missing: 0,
      duplicated: 0,
      latencyMs: { samples: 60 },
      ok: true,
    });
    expect(code).toBe(0);
  });
});

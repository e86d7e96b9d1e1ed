/**
 * A stuck process fails its window or probe, never the run: measurement calls are bounded
 * (MEASURE_TIMEOUT_MS), a failure becomes a `{failed, error}` record, the max-rate search counts
 * it as a failed probe, and the report leaves it out of the medians. Fake child processes and
 * fake timers: nothing is spawned and nothing sleeps.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MEASURE_TIMEOUT_MS, attempt } from './lib/failures.mjs';
import { NoAnswerError } from './lib/ipc.mjs';
import { searchMaxRate } from './maxrate.mjs';
import { summarize } from './report.mjs';
import { serverGroup, window } from './window.mjs';

type Handlers = Record<string, (args: Record<string, unknown>) => unknown>;

/** A child process on an IPC channel that answers the commands in `handlers` and ignores the rest. */
class FakeChild extends EventEmitter {
  static #pids = 1000;
  pid = FakeChild.#pids++;
  connected = true;
  exitCode = null;
  signalCode = null;
  readonly asked: string[] = [];

  constructor(private readonly handlers: Handlers) {
    super();
  }

  send(message: { id: number; cmd: string }, callback: (error: Error | null) => void): void {
    this.asked.push(message.cmd);
    callback(null);
    const handler = this.handlers[message.cmd];
    if (handler) queueMicrotask(() => this.emit('message', { replyTo: message.id, value: handler(message) }));
  }
}

const USAGE = { cpuUs: 1_000, systemUs: 500, rss: 2 ** 20, heapUsed: 1, loopMaxMs: 1 };
const REPORT = { received: 100, dropped: 0, latency: { p50: 1, p95: 2, p99: 3, max: 4 } };
const loadgen = (): FakeChild =>
  new FakeChild({ publishStart: () => ({}), publishStop: () => ({ sent: 1 }), reset: () => ({}), report: () => REPORT });
const server = (): FakeChild => new FakeChild({ usage: () => USAGE, resetLoop: () => ({}) });
const PLAN = { rate: 10, clients: 10, channels: 1, warmupMs: 100, measureMs: 1_000 };

function measure(servers: FakeChild[], subs = loadgen(), pub = loadgen()): Promise<unknown> {
  const ctx = { name: 'fake', ...serverGroup(servers) };
  return window(ctx, { subs, pub }, PLAN);
}

describe('window', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('measures when every process answers', async () => {
    const result = measure([server()]);
    await vi.advanceTimersByTimeAsync(PLAN.warmupMs + PLAN.measureMs);
    await expect(result).resolves.toMatchObject({ p99: 3, dropped: 0 });
  });

  it('rejects with NoAnswerError once a server has not answered usage for MEASURE_TIMEOUT_MS', async () => {
    const stuck = new FakeChild({ resetLoop: () => ({}) });
    const result = measure([server(), stuck]);
    const settled = vi.fn();
    result.then(settled, settled);
    await vi.advanceTimersByTimeAsync(PLAN.warmupMs + MEASURE_TIMEOUT_MS - 1);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).rejects.toBeInstanceOf(NoAnswerError);
    await expect(result).rejects.toThrow(`usage: no answer from pid ${stuck.pid} within ${MEASURE_TIMEOUT_MS} ms`);
  });

  it('rejects with NoAnswerError when the load generator does not answer report', async () => {
    const subs = new FakeChild({ reset: () => ({}) });
    const result = measure([server()], subs);
    result.catch(() => {});
    await vi.advanceTimersByTimeAsync(PLAN.warmupMs + PLAN.measureMs + MEASURE_TIMEOUT_MS);
    await expect(result).rejects.toBeInstanceOf(NoAnswerError);
    expect(subs.asked).toEqual(['reset', 'report']);
  });

  it('becomes a stalled record through attempt, so the run goes on', async () => {
    const result = attempt(() => measure([new FakeChild({ resetLoop: () => ({}) })]));
    await vi.advanceTimersByTimeAsync(PLAN.warmupMs + MEASURE_TIMEOUT_MS);
    await expect(result).resolves.toEqual({ failed: 'stalled', error: expect.stringContaining('usage: no answer') });
  });
});

describe('attempt', () => {
  it("rethrows the harness's own bugs rather than recording them", async () => {
    await expect(attempt(async () => (null as unknown as { x: number }).x)).rejects.toBeInstanceOf(TypeError);
  });
});

describe('searchMaxRate', () => {
  it('counts a probe whose server stalled as failed and bisects below it', async () => {
    const passing = { p99: 5, keepUp: 1, deliveriesPerSec: 1_000, dropped: 0 };
    const probe = async (rate: number): Promise<object> => (rate >= 120 ? { failed: 'stalled', error: 'usage: no answer' } : passing);
    const result = await searchMaxRate(probe, { clients: 10, start: 40, high: 1_280, steps: 5, measureMs: 1_000 });
    expect(result).toEqual({ maxRate: 113, probes: '40✓ 80✓ 160✗stalled 113✓ 134✗stalled' });
  });
});

describe('summarize', () => {
  it('leaves failed repetitions out of the medians and lists them', () => {
    const summary = summarize({
      relais: [{ p99: 10 }, { failed: 'stalled', error: 'usage: no answer' }, { p99: 20 }],
    });
    expect(summary.relais.p99).toEqual({ median: 15, min: 10, max: 20, n: 2, of: 3 });
    expect(summary.relais.failures).toEqual({ kinds: ['stalled'], errors: ['usage: no answer'], of: 3 });
  });
});

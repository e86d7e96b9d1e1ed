/**
 * @module bench/overload
 * The overload scenario: the publisher asks far more than the subscribers can read, and a share
 * of the subscribers (`slowShare`) stop reading once subscribed, so the server's send queues
 * for them grow. It measures what the healthy subscribers still get, whether the server sheds
 * the slow ones (relais closes a session past maxQueueBytes with 3008; Socket.IO and ws have no
 * such policy and keep queueing), its peak memory and how long it takes to answer.
 */
import { readFileSync } from 'node:fs';
import { monoMs } from './lib/histogram.mjs';
import { call } from './lib/ipc.mjs';
import { ask, connectClients, setUp, sleep } from './window.mjs';

/** How long the slow clients get, once publishing stopped, to read up to a close. */
const RESUME_LIMIT_MS = 5_000;
/** And on a server where they catch up instead (the relais-catchup variant): to read everything. */
const CATCH_UP_LIMIT_MS = 60_000;

/**
 * Publishes at `rate` into one channel for `durationMs`, sampling server memory and how long
 * the server takes to answer (an answer later than 1 s counts as a 1 s+ stall). Afterwards
 * it waits at most 10 s for the server to answer again, then resumes the slow clients (at most
 * RESUME_LIMIT_MS) to count those the server closed; everything is then stopped, so a server
 * that never recovers costs the run seconds, not its backlog.
 */
export async function runOverload(ctx, { clients, rate, durationMs, slowShare = 0, payloadBytes }) {
  const slowClients = Math.round(clients * slowShare);
  const load = await setUp(ctx, clients - slowClients, 1);
  const slow = slowClients > 0 ? await ctx.loadgen() : undefined;
  if (slow) await connectClients(ctx, slow, slowClients, 1, { slow: true });
  await ctx.resetLoop();
  await ask(load.pub, 'publishStart', { rate, channels: 1, payloadBytes });
  const started = monoMs();
  let peakRss = 0;
  let slowestAnswerMs = 0;
  while (monoMs() - started < durationMs) {
    const asked = monoMs();
    const usage = await withTimeout(ctx.usage(), 1_000);
    slowestAnswerMs = Math.max(slowestAnswerMs, monoMs() - asked);
    if (usage) peakRss = Math.max(peakRss, usage.rss);
    else await withTimeout(ctx.usage(), Math.max(0, durationMs - (monoMs() - started)));
    await sleep(250);
  }
  const { sent } = await ask(load.pub, 'publishStop');
  const seconds = (monoMs() - started) / 1000;
  const healthy = await withTimeout(ask(load.subs, 'report'), 10_000);
  const asked = monoMs();
  const after = await withTimeout(ctx.usage(), 10_000);
  slowestAnswerMs = Math.max(slowestAnswerMs, monoMs() - asked);
  // The kernel's high-water mark: right even when a stalled server missed the samples.
  const peakRssKB = ctx.servers.reduce((sum, server) => sum + peakRssOf(server.pid), 0);
  const limitMs = ctx.name === 'relais-catchup' ? CATCH_UP_LIMIT_MS : RESUME_LIMIT_MS;
  // Its own call timeout: a catch-up may take longer than any other answer of the load generator.
  const resumed = slow ? await withTimeout(call(slow, 'resume', { limitMs }, limitMs + 5_000), limitMs + 5_000) : undefined;
  const healthyClients = clients - slowClients;
  return {
    peakRssMB: Math.max(peakRss / 2 ** 20, peakRssKB / 1024),
    loopMaxMs: after?.loopMaxMs,
    slowestAnswerMs,
    publishedPerSec: sent / seconds,
    deliveredPerSec: healthy ? healthy.received / seconds : undefined,
    droppedClients: healthy?.dropped,
    p99: healthy?.latency.p99,
    slowClients,
    ...(resumed ? slowOutcome(resumed) : {}),
    // Publications each client got, on average: a slow client that lost nothing got as many
    // as a healthy one (on one channel, every client is sent every publication).
    ...(resumed && healthy && slowClients > 0
      ? { published: sent, healthyReceivedEach: healthy.received / healthyClients, slowReceivedEach: resumed.received / slowClients }
      : {}),
  };
}

/** What happened to the slow clients: how many the server closed, and with which codes. */
function slowOutcome({ closeCodes }) {
  const entries = Object.entries(closeCodes).sort(([, a], [, b]) => b - a);
  return {
    slowClosed: entries.reduce((sum, [, count]) => sum + count, 0),
    slowCloseCodes: entries.length ? entries.map(([code, count]) => `${code}×${count}`).join(' ') : 'none',
  };
}

/** VmHWM (peak resident set, KB) of a live process, from /proc; 0 where unavailable. */
function peakRssOf(pid) {
  try {
    return Number(/VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `promise`'s value, or undefined when it takes longer than `ms`. */
async function withTimeout(promise, ms) {
  let timer;
  const expired = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), expired]);
  } finally {
    clearTimeout(timer);
  }
}

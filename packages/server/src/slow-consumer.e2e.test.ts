/**
 * Slow subscribers over real sockets: a client whose socket is not read (its TCP reads paused)
 * on a namespace with slowConsumer 'catch-up' falls behind instead of being closed, reads what
 * it missed with `resume`, and is live again, with every publication once and in order; a fast
 * subscriber of the same channel is not held up; other namespaces keep closing with 3008.
 */
import type { BehindPush, PublicationPush, ResumeResult } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import { useTestNodes, type TestNode } from './testkit/test-node.js';
import type { TestClient } from './testkit/ws-client.js';
import type { RelaisOptions } from './options.js';

const start = useTestNodes();

const OPTIONS: RelaisOptions = {
  maxQueueBytes: 65_536,
  namespaces: {
    feed: { historySize: 100_000, historyTtlMs: 60_000, historyMaxBytes: 256 * 2 ** 20, slowConsumer: 'catch-up' },
    live: { historySize: 100_000, historyTtlMs: 60_000, historyMaxBytes: 256 * 2 ** 20 },
    short: { historySize: 5, historyTtlMs: 60_000, slowConsumer: 'catch-up' },
  },
};

const PAYLOAD = 'x'.repeat(16_384);
/** Publications past the point where the kernel's socket buffers are full, at most. */
const MAX_PUBLISHES = 5_000;

type Tcp = { pause(): void; resume(): void };

function tcpOf(client: TestClient): Tcp {
  return (client.ws as unknown as { _socket: Tcp })._socket;
}

async function subscribed(e2e: TestNode, channel: string): Promise<TestClient> {
  const client = await e2e.connect();
  await client.call('subscribe', { channel });
  return client;
}

/** One turn of the event loop: the clients of this process read their sockets meanwhile. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Publishes until `done` (or MAX_PUBLISHES), then `extra` more, one per event-loop turn (so
 * that the clients that do read keep up); returns the last offset.
 */
async function publishUntil(e2e: TestNode, channel: string, done: () => boolean, extra: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < MAX_PUBLISHES && !done(); i++) {
    last = (await e2e.relais.publish(channel, { n: i, PAYLOAD })).offset ?? 0;
    await turn();
  }
  expect(done()).toBe(true);
  for (let i = 0; i < extra; i++) {
    last = (await e2e.relais.publish(channel, { extra: i })).offset ?? 0;
    await turn();
  }
  return last;
}

/** Takes every publication push of `channel` received so far, in order. */
function takePublications(client: TestClient, channel: string): PublicationPush[] {
  const taken: PublicationPush[] = [];
  for (let i = 0; i < client.pushes.length;) {
    const push = client.pushes[i]!;
    if (push.type === 'publication' && push.channel === channel) {
      taken.push(push);
      client.pushes.splice(i, 1);
    } else i++;
  }
  return taken;
}

/** What a catching-up client does: resume from its last offset until the server says it is live. */
async function catchUp(client: TestClient, channel: string, from: { offset: number; epoch: string }): Promise<number[]> {
  const offsets: number[] = [];
  let since = from;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await client.call<ResumeResult>('resume', { channel, since });
    expect(page.recovered).toBe(true);
    for (const pub of page.publications) offsets.push(pub.offset!);
    if (page.publications.length > 0) since = { offset: page.publications.at(-1)!.offset!, epoch: page.epoch };
    if (page.more !== true) return offsets;
  }
  throw new Error('resume never went live');
}

describe("slowConsumer 'catch-up'", () => {
  it('lets a subscriber that does not read fall behind, then resume without loss or disconnect, while a fast one is unaffected', async () => {
    const e2e = await start(OPTIONS);
    const slow = await subscribed(e2e, 'feed:a');
    const fast = await subscribed(e2e, 'feed:a');
    tcpOf(slow).pause();
    const last = await publishUntil(e2e, 'feed:a', () => e2e.relais.stats().fellBehind > 0, 20);

    // The fast subscriber got everything live, in order.
    await expect.poll(() => fast.pushes.filter((push) => push.type === 'publication').length, { timeout: 10_000 }).toBe(last);
    expect(takePublications(fast, 'feed:a').map((pub) => pub.offset)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(e2e.relais.connections).toBe(2);
    expect(e2e.relais.stats().fellBehind).toBe(1);

    // The slow one reads what was sent before it fell behind, then the behind push.
    tcpOf(slow).resume();
    const behind = (await slow.nextPush((push) => push.type === 'behind')) as BehindPush;
    const live = takePublications(slow, 'feed:a').map((pub) => pub.offset!);
    expect(live).toEqual(Array.from({ length: behind.offset }, (_, i) => i + 1));
    expect(behind.offset).toBeLessThan(last);

    const caughtUp = await catchUp(slow, 'feed:a', { offset: behind.offset, epoch: behind.epoch });
    expect(caughtUp).toEqual(Array.from({ length: last - behind.offset }, (_, i) => behind.offset + i + 1));

    // Live again: the next publication is pushed, and the connection never closed.
    const next = (await e2e.relais.publish('feed:a', 'after')).offset;
    expect(await slow.nextPush((push) => push.type === 'publication')).toMatchObject({ offset: next, data: 'after' });
    expect(e2e.relais.connections).toBe(2);
    expect(e2e.relais.stats().disconnects).toEqual({});
    expect(e2e.relais.stats().subscriptions).toBe(2);
  });

  it('still closes a subscriber with 3008 on a namespace without catch-up', async () => {
    const e2e = await start(OPTIONS);
    const slow = await subscribed(e2e, 'live:a');
    tcpOf(slow).pause();
    await publishUntil(e2e, 'live:a', () => e2e.relais.connections === 0, 0);
    tcpOf(slow).resume();
    expect((await slow.closed).code).toBe(3008);
    expect(e2e.relais.stats().fellBehind).toBe(0);
  });

  it('answers recovered: false when what was missed is no longer kept, and goes live from the current position', async () => {
    const e2e = await start(OPTIONS);
    const slow = await subscribed(e2e, 'short:a');
    tcpOf(slow).pause();
    const last = await publishUntil(e2e, 'short:a', () => e2e.relais.stats().fellBehind > 0, 10);
    tcpOf(slow).resume();
    const behind = (await slow.nextPush((push) => push.type === 'behind')) as BehindPush;
    const page = await slow.call<ResumeResult>('resume', { channel: 'short:a', since: { offset: behind.offset, epoch: behind.epoch } });
    expect(page).toMatchObject({ recovered: false, publications: [], offset: last });
    expect(page.more).toBeUndefined();
    takePublications(slow, 'short:a');
    const next = (await e2e.relais.publish('short:a', 'after')).offset;
    expect(await slow.nextPush((push) => push.type === 'publication')).toMatchObject({ offset: next });
  });

  it('refuses a resume of a channel not held (113) and answers nothing to catch up on a live one', async () => {
    const e2e = await start(OPTIONS);
    const client = await subscribed(e2e, 'feed:b');
    await e2e.relais.publish('feed:b', 1);
    const since = { offset: 0, epoch: 'x' };
    expect(await client.command('resume', { channel: 'feed:other', since })).toMatchObject({ error: { code: 113 } });
    expect(await client.command('resume', { channel: 'feed:b' })).toMatchObject({
      error: { code: 107, message: 'resume.since is required' },
    });
    const result = await client.call<ResumeResult>('resume', { channel: 'feed:b', since });
    expect(result).toMatchObject({ publications: [], offset: 1, recovered: true });
  });
});

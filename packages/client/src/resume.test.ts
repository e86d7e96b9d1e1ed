/**
 * A `behind` push (the server stopped pushing a channel whose queue overflowed) against the
 * FakeServer with fake timers: the subscription sends `resume` from its last publication until
 * the server says it is live, delivering each missed publication once, in order; an empty page
 * waits for the backoff; a gap ends in `recovered: false`; a dropped connection ends the loop.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Command, ResumeParams, ResumeResult } from '@relais/protocol';
import type { Publication, SubscriptionStateChange } from './subscription.js';
import { fakeClient, recorder } from './testing/helpers.js';
import { useFakeServer } from './testing/use-fake-server.js';

const CHANNEL = 'feed:1';

function resumes(commands: Extract<Command, { method: 'resume' }>[]): ResumeParams[] {
  return commands.map((command) => command.params);
}

describe('falling behind', () => {
  const fake = useFakeServer();

  /** A subscriber at offset 2 that the server has just told it is behind; `pages` answer its resumes. */
  async function behind(pages: (ResumeResult | 'noreply')[]) {
    fake.server.onCommand((command, connection) => {
      if (command.method === 'subscribe') {
        fake.server.defaultOutcome(command, connection);
        return { result: { recoverable: true, offset: 2, epoch: 'e1' } };
      }
      if (command.method === 'resume')
        return pages.length > 0 ? (pages[0] === 'noreply' ? 'noreply' : { result: pages.shift() }) : undefined;
      return undefined;
    });
    const client = fakeClient(fake.server, { random: () => 0 });
    const sub = client.subscribe<string>(CHANNEL);
    const received = recorder<Publication<string>>();
    const states = recorder<SubscriptionStateChange>();
    sub.on('publication', received);
    sub.on('state', states);
    client.connect();
    await vi.advanceTimersByTimeAsync(0);
    fake.server.sendPush({ type: 'behind', channel: CHANNEL, offset: 2, epoch: 'e1' });
    return { client, sub, states, offsets: () => received.values.map((pub) => pub.offset) };
  }

  const page = (offsets: number[], more: boolean, top = 9): ResumeResult => ({
    publications: offsets.map((offset) => ({ data: `m${offset}`, offset })),
    offset: top,
    epoch: 'e1',
    recovered: true,
    ...(more ? { more: true as const } : {}),
  });

  it('resumes page by page from the last publication delivered, then takes live pushes again', async () => {
    const { offsets, sub, states } = await behind([page([3, 4, 5], true), page([6, 7, 8, 9], false)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(resumes(fake.server.commands('resume'))).toEqual([
      { channel: CHANNEL, since: { offset: 2, epoch: 'e1' } },
      { channel: CHANNEL, since: { offset: 5, epoch: 'e1' } },
    ]);
    fake.server.sendPush({ type: 'publication', channel: CHANNEL, data: 'm10', offset: 10, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(offsets()).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(sub.position).toEqual({ offset: 10, epoch: 'e1' });
    expect(states.values.map((change) => change.state)).toEqual(['subscribed']); // never left 'subscribed'
  });

  it('asks again after the backoff when a page comes back empty with more (the queue is full)', async () => {
    const { offsets } = await behind([page([], true), page([3], false, 3)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.server.commands('resume')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.server.commands('resume')).toHaveLength(2);
    expect(offsets()).toEqual([3]);
  });

  it('goes round again when another behind push comes while a resume is in flight', async () => {
    const pages: (ResumeResult | 'noreply')[] = [page([3], false, 3), page([4], false, 4)];
    const { offsets } = await behind(pages);
    fake.server.sendPush({ type: 'behind', channel: CHANNEL, offset: 3, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(resumes(fake.server.commands('resume')).map((params) => params.since.offset)).toEqual([2, 3]);
    expect(offsets()).toEqual([3, 4]);
  });

  it('says recovered: false when the server no longer keeps what was missed, and follows its position', async () => {
    const { sub, states, offsets } = await behind([{ publications: [], offset: 40, epoch: 'e1', recovered: false }]);
    await vi.advanceTimersByTimeAsync(0);
    expect(states.values.at(-1)).toMatchObject({ state: 'subscribed', previous: 'subscribed', recovered: false });
    expect(sub.position).toEqual({ offset: 40, epoch: 'e1' });
    fake.server.sendPush({ type: 'publication', channel: CHANNEL, data: 'm41', offset: 41, epoch: 'e1' });
    await vi.advanceTimersByTimeAsync(0);
    expect(offsets()).toEqual([41]);
  });

  it('stops resuming when the connection drops: the resubscribe recovers from the last publication', async () => {
    await behind(['noreply']);
    await vi.advanceTimersByTimeAsync(0);
    fake.server.closeConnection(1006);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fake.server.commands('resume')).toHaveLength(1);
    expect(fake.server.commands('subscribe').at(-1)!.params.since).toEqual({ offset: 2, epoch: 'e1' });
  });
});

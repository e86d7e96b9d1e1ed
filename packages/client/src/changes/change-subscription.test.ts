import { describe, expect, it } from 'vitest';
import { ChangeSubscription } from './change-subscription.js';
import type { ChangeSnapshot, RowChange } from './channel.js';
import { Emitter } from '../emitter.js';
import type { Subscription } from '../subscription.js';
import type { SubscriptionEvents } from '../subscription-types.js';

type Row = { id: number };

/** A subscription whose events the test emits. */
function fakeSubscription() {
  const events = new Emitter<SubscriptionEvents<RowChange<Row>>>();
  const sub = { channel: 'pg:public.t', state: 'subscribing', on: events.on.bind(events), unsubscribe() {} } as unknown as Subscription<
    RowChange<Row>
  >;
  return { sub, events };
}

const change = (id: number, xid: number, event: RowChange['event'] = 'INSERT'): RowChange<Row> => ({
  schema: 'public',
  table: 't',
  event,
  commitTimestamp: '',
  new: { id },
  lsn: '0/1',
  seq: 0,
  xid,
});

/** A snapshot call the test answers. */
function deferredCalls() {
  const calls: { method: string; data: unknown; answer: (s: ChangeSnapshot<Row>) => void }[] = [];
  const call = (method: string, data: unknown) => new Promise<unknown>((resolve) => calls.push({ method, data, answer: resolve }));
  return { calls, call };
}

describe('ChangeSubscription', () => {
  it('emits publications as changes, and the feed status as status events', () => {
    const { sub, events } = fakeSubscription();
    const changes = new ChangeSubscription(sub, false, async () => ({}));
    const seen: string[] = [];
    changes.on('change', (c) => seen.push(`change ${c.new!.id}`));
    changes.on('status', (status) => seen.push(`status ${status}`));
    events.emit('publication', { channel: sub.channel, data: change(1, 10) });
    events.emit('publication', { channel: sub.channel, data: { ...change(0, 0, 'STATUS'), status: 'reconnecting' } });
    expect(seen).toEqual(['change 1', 'status reconnecting']);
  });

  it('reads the snapshot once subscribed, holds changes meanwhile, and drops those the rows hold', async () => {
    const { sub, events } = fakeSubscription();
    const { calls, call } = deferredCalls();
    const changes = new ChangeSubscription(sub, true, call);
    const log: string[] = [];
    changes.on('snapshot', (s) => log.push(`rows ${s.rows.map((r) => r.id).join(',')}`));
    changes.on('change', (c) => log.push(`change ${c.new!.id}`));
    events.emit('state', { state: 'subscribed', previous: 'subscribing' });
    expect(calls).toMatchObject([{ method: 'relais.changes.snapshot', data: { channel: 'pg:public.t' } }]);
    // xid 10 committed before the snapshot (in it), 12 was in progress, 20 started after.
    events.emit('publication', { channel: sub.channel, data: change(1, 10) });
    events.emit('publication', { channel: sub.channel, data: change(2, 12) });
    calls[0]!.answer({ rows: [{ id: 1 }], xmax: 15, xip: [12] });
    await new Promise((resolve) => setImmediate(resolve));
    events.emit('publication', { channel: sub.channel, data: change(3, 20) });
    events.emit('publication', { channel: sub.channel, data: change(4, 11) });
    expect(log).toEqual(['rows 1', 'change 2', 'change 3']);
  });

  it('reads the rows again after a RESET, and after a reconnect that did not recover', async () => {
    const { sub, events } = fakeSubscription();
    const { calls, call } = deferredCalls();
    const changes = new ChangeSubscription(sub, true, call);
    const events2: string[] = [];
    changes.on('change', (c) => events2.push(c.event));
    events.emit('state', { state: 'subscribed', previous: 'subscribing' });
    calls[0]!.answer({ rows: [], xmax: 1, xip: [] });
    await new Promise((resolve) => setImmediate(resolve));
    events.emit('state', { state: 'subscribed', previous: 'subscribing', recovered: true });
    expect(calls).toHaveLength(1);
    events.emit('publication', { channel: sub.channel, data: change(0, 0, 'RESET') });
    expect(events2).toEqual(['RESET']);
    expect(calls).toHaveLength(2);
    calls[1]!.answer({ rows: [], xmax: 1, xip: [] });
    await new Promise((resolve) => setImmediate(resolve));
    events.emit('state', { state: 'subscribed', previous: 'subscribing', recovered: false });
    expect(calls).toHaveLength(3);
  });
});

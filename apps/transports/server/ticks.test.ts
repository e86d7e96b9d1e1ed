import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import { TICKS_CHANNEL, TICKS_POLL_PATH, TICKS_START_RPC, tickOf } from '../shared/protocol.js';
import { installTicks } from './ticks.js';

const start = useTestNodes();

describe('the transports page server half', () => {
  it('ticks while a page holds the lease: numbered publications, and the same ticks for plain polling', async () => {
    const { relais, connect, base } = await start();
    const dispose = installTicks(relais, { intervalMs: 20 });
    const client = await connect();
    await client.call('subscribe', { channel: TICKS_CHANNEL });
    // No lease yet: nothing is published.
    expect((await (await fetch(`${base}${TICKS_POLL_PATH}?after=0`)).json()).ticks).toEqual([]);
    expect(await client.call('rpc', { method: TICKS_START_RPC })).toEqual({ data: { intervalMs: 20 } });
    const seqs: number[] = [];
    while (seqs.length < 3) {
      const push = await client.nextPush();
      seqs.push(tickOf((push as { data?: unknown }).data)!.seq);
    }
    expect(seqs).toEqual([1, 2, 3]);
    const polled = (await (await fetch(`${base}${TICKS_POLL_PATH}?after=1`)).json()) as { ticks: { seq: number }[] };
    expect(polled.ticks.map((tick) => tick.seq).slice(0, 2)).toEqual([2, 3]);
    expect((await fetch(`${base}${TICKS_POLL_PATH}`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}${TICKS_POLL_PATH}?after=x`)).status).toBe(400);
    dispose();
    expect((await fetch(`${base}${TICKS_POLL_PATH}?after=0`)).status).toBe(404);
  });
});

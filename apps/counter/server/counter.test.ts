import type { Push } from '@relais/protocol';
import { useTestNodes } from '@relais/server/testkit';
import { describe, expect, it } from 'vitest';
import { COUNTER_CHANNEL, COUNTER_GET_RPC, COUNTER_INCREMENT_RPC } from '../shared/protocol.js';
import { installCounter } from './counter.js';

const start = useTestNodes();

describe('demo counter', () => {
  it('counts clicks from every connection and announces each count', async () => {
    const { relais, connect } = await start();
    installCounter(relais);
    const [a, b] = await Promise.all([connect(), connect()]);
    await b.call('subscribe', { channel: COUNTER_CHANNEL });
    expect(await a.call('rpc', { method: COUNTER_GET_RPC })).toEqual({ data: { count: 0 } });
    expect(await a.call('rpc', { method: COUNTER_INCREMENT_RPC })).toEqual({ data: { count: 1 } });
    expect(await b.call('rpc', { method: COUNTER_INCREMENT_RPC })).toEqual({ data: { count: 2 } });
    const counts = [await b.nextPush((p: Push) => p.type === 'publication'), await b.nextPush((p: Push) => p.type === 'publication')];
    expect(counts.map((p) => (p as { data: unknown }).data)).toEqual([{ count: 1 }, { count: 2 }]);
    expect(await a.call('rpc', { method: COUNTER_GET_RPC })).toEqual({ data: { count: 2 } });
  });

  it('is removed by the disposer', async () => {
    const { relais, connect } = await start();
    const dispose = installCounter(relais);
    dispose();
    const a = await connect();
    expect(await a.command('rpc', { method: COUNTER_GET_RPC })).toMatchObject({ error: { code: 104 } });
  });
});

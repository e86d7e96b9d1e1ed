/**
 * history/presence commands go through the namespace's historyAccess/presenceAccess rules.
 */
import { describe, expect, it } from 'vitest';
import { useTestNodes } from '../testkit/test-node.js';

const start = useTestNodes();

describe('history and presence access over WebSocket', () => {
  it('answers 113 to a non-subscriber under the default rule, 103 under nobody, and serves everyone under everyone', async () => {
    const { connect } = await start({
      namespaces: {
        open: { historySize: 10, historyTtlMs: 60_000, presence: true, historyAccess: 'everyone', presenceAccess: 'everyone' },
        closed: { historySize: 10, historyTtlMs: 60_000, presence: true, historyAccess: 'nobody', presenceAccess: 'nobody' },
        dflt: { historySize: 10, historyTtlMs: 60_000, presence: true },
        bare: {},
      },
    });
    const member = await connect();
    const outsider = await connect();
    for (const channel of ['open:1', 'closed:1', 'dflt:1']) await member.call('subscribe', { channel });
    await member.call('publish', { channel: 'open:1', data: 'hello' });

    await expect(outsider.call('history', { channel: 'dflt:1' })).rejects.toMatchObject({ code: 113 });
    await expect(outsider.call('presence', { channel: 'dflt:1' })).rejects.toMatchObject({ code: 113 });
    await expect(member.call('history', { channel: 'closed:1' })).rejects.toMatchObject({ code: 103 });
    await expect(member.call('presence_stats', { channel: 'closed:1' })).rejects.toMatchObject({ code: 103 });
    await expect(member.call('history', { channel: 'bare:1' })).rejects.toMatchObject({ code: 108 });

    expect(await outsider.call('history', { channel: 'open:1' })).toMatchObject({
      publications: [{ data: 'hello', offset: 1 }],
      offset: 1,
    });
    expect(await outsider.call('presence_stats', { channel: 'open:1' })).toEqual({ clients: 1, users: 1 });
    expect(await member.call('presence_stats', { channel: 'dflt:1' })).toEqual({ clients: 1, users: 1 });
  });
});

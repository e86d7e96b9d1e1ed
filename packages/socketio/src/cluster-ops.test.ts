import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectAcks } from './cluster-ops.js';
import type { RemoteSocket } from './roles.js';

/** A socket that acks `reply` after `delayMs` (never when undefined). */
function fakeSocket(reply: unknown, delayMs: number | undefined): RemoteSocket {
  return {
    emit: (_event: string, ...args: unknown[]) => {
      const ack = args[args.length - 1] as (value: unknown) => void;
      if (delayMs !== undefined) setTimeout(() => ack(reply), delayMs);
      return true;
    },
  } as unknown as RemoteSocket;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('collectAcks', () => {
  it('answers at once for no sockets', async () => {
    expect(await collectAcks([], 'vote', [], 1000)).toEqual({ responses: [], missing: 0 });
  });

  it('answers when the last socket acked, before the timeout', async () => {
    vi.useFakeTimers();
    const answer = collectAcks([fakeSocket('a', 10), fakeSocket('b', 20)], 'vote', [], 1000);
    await vi.advanceTimersByTimeAsync(20);
    expect(await answer).toEqual({ responses: ['a', 'b'], missing: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers after the timeout with the acks that came and how many did not, and ignores later acks', async () => {
    vi.useFakeTimers();
    const late = fakeSocket('late', 2000);
    let settled = false;
    const answer = collectAcks([fakeSocket('a', 10), late, fakeSocket('never', undefined)], 'vote', [], 1000);
    void answer.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await answer).toEqual({ responses: ['a'], missing: 2 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await answer).toEqual({ responses: ['a'], missing: 2 });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClusterError, type Relais } from '@relais/server';
import { ACK_ANSWER_GRACE_MS, ClusterOps, collectAcks, type LocalSockets } from './cluster-ops.js';
import { ACK_TIMEOUT_MESSAGE, type RemoteSocket } from './roles.js';

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

/** A node `a` whose cluster has one other node, `b`, that never answers: requests fail after their timeout, as Cluster's do. */
function silentPeerRelais(asked: number[]): Relais {
  const cluster = {
    nodeId: 'a',
    nodes: () => [{ id: 'a' }, { id: 'b' }],
    handle: () => () => {},
    send: () => Promise.resolve(),
    request: (_to: string, type: string, _body: unknown, timeoutMs: number) => {
      asked.push(timeoutMs);
      return new Promise((_resolve, reject) =>
        setTimeout(() => reject(new ClusterError(`node b did not answer ${type} within ${timeoutMs} ms`, undefined, true)), timeoutMs),
      );
    },
  };
  return { cluster } as unknown as Relais;
}

const noLocalSockets: LocalSockets = {
  sockets: () => [],
  emitWithAcks: () => Promise.resolve({ responses: [], missing: 0 }),
  serverSideEvent: () => {},
};

describe('ClusterOps', () => {
  it('waits requestsTimeout for another node: serverSideEmitWithAck and fetchSockets reject then, not before', async () => {
    vi.useFakeTimers();
    const asked: number[] = [];
    const ops = new ClusterOps(silentPeerRelais(asked), '/socket.io/', noLocalSockets, () => {}, 300);
    const emitted = ops.serverSideEmitWithAck('/', ['ping']);
    const fetched = ops.fetchSockets({ nsp: '/', rooms: [], except: [] });
    const outcomes: string[] = [];
    emitted.catch(() => outcomes.push('emit'));
    fetched.catch(() => outcomes.push('fetch'));
    await vi.advanceTimersByTimeAsync(299);
    expect(outcomes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(emitted).rejects.toThrow('within 300 ms');
    await expect(fetched).rejects.toThrow('within 300 ms');
    expect(asked).toEqual([300, 300]);
  });

  it('calls a broadcast ack back with an error after requestsTimeout (and its grace) when no timeout(ms) was given', async () => {
    vi.useFakeTimers();
    const asked: number[] = [];
    const ops = new ClusterOps(silentPeerRelais(asked), '/socket.io/', noLocalSockets, () => {}, 300);
    const callback = vi.fn();
    ops.emitWithAcks({ nsp: '/', rooms: [], except: [] }, 'vote', [], undefined, callback);
    await vi.advanceTimersByTimeAsync(300 + ACK_ANSWER_GRACE_MS - 1);
    expect(callback).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(callback).toHaveBeenCalledWith(new Error(ACK_TIMEOUT_MESSAGE), []);
    expect(asked).toEqual([300 + ACK_ANSWER_GRACE_MS]);
  });
});

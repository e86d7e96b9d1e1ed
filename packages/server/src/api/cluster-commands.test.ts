import { describe, expect, it } from 'vitest';
import { ClusterError, type GatherReply } from '../cluster/cluster.js';
import { channelMatcher } from './cluster-commands.js';
import { clusterMethods } from './cluster-methods.js';
import type { ApiContext } from './context.js';
import { ApiError } from './errors.js';

describe('channelMatcher', () => {
  it('reads * as any run of characters and every other character as itself', () => {
    const matches = channelMatcher('chat:*.log');
    expect(['chat:.log', 'chat:a.log', 'chat:a:b.log'].map(matches)).toEqual([true, true, true]);
    expect(['chat:axlog', 'xchat:a.log', 'chat:a.logs'].map(matches)).toEqual([false, false, false]);
    expect(channelMatcher(undefined)('anything')).toBe(true);
    expect(channelMatcher('a(b)[c]')('a(b)[c]')).toBe(true);
  });
});

/** Methods over a fake cluster whose gather answers `replies`. */
function withReplies(replies: GatherReply[]) {
  const ctx: ApiContext = {
    node: {
      cluster: { nodes: () => [], gather: async () => replies },
    } as unknown as ApiContext['node'],
    rules: () => undefined,
    maxDataDepth: 32,
    timeoutMs: 100,
  };
  return clusterMethods(ctx);
}

describe('cluster-wide methods when a node fails', () => {
  it('add up the counts of every node', async () => {
    const methods = withReplies([
      { node: 'a', result: 2 },
      { node: 'b', result: 3 },
    ]);
    await expect(methods.send_all!({ data: 1 })).resolves.toEqual({ delivered: 5 });
  });

  it('fail with temporary 114 (504) naming the nodes that did not answer and how many did', async () => {
    const methods = withReplies([
      { node: 'a', result: 2 },
      { node: 'b', error: new ClusterError('node b did not answer api.send_all within 100 ms', undefined, true) },
    ]);
    const error = (await methods.send_all!({ data: 1 }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.toJSON()).toEqual({
      code: 114,
      message: 'node b did not answer api.send_all within 100 ms (node b did not act; 1 other did)',
      temporary: true,
    });
    expect(error.status).toBe(504);
  });

  it('pass on the code a node’s handler threw', async () => {
    const methods = withReplies([{ node: 'b', error: new ClusterError('the engine is unreachable; retry', 115, true) }]);
    const error = (await methods.send_user!({ user: '1', data: 1 }).catch((e: unknown) => e)) as ApiError;
    expect([error.code, error.status, error.temporary]).toEqual([115, 503, true]);
  });
});

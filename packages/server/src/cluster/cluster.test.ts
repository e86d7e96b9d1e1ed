import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../logger.js';
import { Cluster, ClusterError, type NodeInfo } from './cluster.js';
import { MemoryControlHub, MemoryControlLink } from './memory-control-link.js';
import type { ControlLink } from './control-link.js';

describe('Cluster', () => {
  let clusters: Cluster[] = [];
  afterEach(async () => {
    vi.useRealTimers();
    await Promise.all(clusters.map((cluster) => cluster.close()));
    clusters = [];
  });

  const flush = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  async function cluster(ids: string[], hub = new MemoryControlHub(), heartbeatMs = 1_000): Promise<Cluster[]> {
    const made = ids.map(
      (id) =>
        new Cluster(new MemoryControlLink(hub), {
          nodeId: id,
          heartbeatMs,
          info: (): NodeInfo => ({ id, startedAt: 1, connections: id.length }),
          logger: silentLogger,
        }),
    );
    clusters.push(...made);
    for (const node of made) await node.start();
    await flush();
    return made;
  }

  it('knows every node once they said hello, whatever order they started in', async () => {
    const [a, b, c] = await cluster(['a', 'b', 'c']);
    expect(a!.nodes().map((node) => node.id)).toEqual(['a', 'b', 'c']);
    expect(c!.nodes().map((node) => node.id)).toEqual(['c', 'a', 'b']);
    expect(b!.nodes()[1]).toEqual({ id: 'a', startedAt: 1, connections: 1 });
  });

  it('forgets a node silent for three heartbeats', async () => {
    vi.useFakeTimers();
    const hub = new MemoryControlHub();
    const [a, b] = await cluster(['a', 'b'], hub);
    expect(a!.nodes()).toHaveLength(2);
    await b!.close();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a!.nodes()).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(a!.nodes().map((node) => node.id)).toEqual(['a']);
  });

  it('answers a request with the handler result, locally or from another node', async () => {
    const [a, b] = await cluster(['a', 'b']);
    b!.handle('double', (body, from) => ({ twice: (body as number) * 2, from }));
    a!.handle('double', (body) => ({ local: body }));
    await expect(a!.request('b', 'double', 21, 1_000)).resolves.toEqual({ twice: 42, from: 'a' });
    await expect(a!.request('a', 'double', 21, 1_000)).resolves.toEqual({ local: 21 });
  });

  it('rejects with the code and temporary flag the handler threw, and for a missing handler', async () => {
    const [a, b] = await cluster(['a', 'b']);
    b!.handle('fail', () => {
      throw Object.assign(new Error('engine down'), { code: 115, temporary: true });
    });
    const error = await a!.request('b', 'fail', null, 1_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClusterError);
    expect(error).toMatchObject({ message: 'engine down', code: 115, temporary: true });
    await expect(a!.request('b', 'nothing', null, 1_000)).rejects.toThrow('node b has no handler for nothing');
  });

  it("gathers every node's answer, and a timeout for a node that is gone", async () => {
    vi.useFakeTimers();
    const [a, b, c] = await cluster(['a', 'b', 'c']);
    for (const node of [a!, b!, c!]) node.handle('count', () => node.nodeId.toUpperCase());
    await c!.close();
    const gathered = a!.gather('count', null, 500);
    await vi.advanceTimersByTimeAsync(500);
    const replies = await gathered;
    expect(replies.slice(0, 2)).toEqual([
      { node: 'a', result: 'A' },
      { node: 'b', result: 'B' },
    ]);
    expect(replies[2]).toMatchObject({ node: 'c', error: { temporary: true, message: 'node c did not answer count within 500 ms' } });
  });

  it('delivers one-way messages to one node or to every node, itself included', async () => {
    const [a, b, c] = await cluster(['a', 'b', 'c']);
    const seen: string[] = [];
    for (const node of [a!, b!, c!]) node.handle('note', (body, from) => void seen.push(`${node.nodeId}<-${from}:${String(body)}`));
    await a!.send('b', 'note', 'one');
    await a!.send(undefined, 'note', 'all');
    await flush();
    expect(seen.sort()).toEqual(['a<-a:all', 'b<-a:all', 'b<-a:one', 'c<-a:all']);
  });

  it('fails requests still waiting when it closes, and refuses to send after', async () => {
    const [a] = await cluster(['a', 'b']);
    const waiting = a!.request('b', 'slow', null, 60_000);
    await a!.close();
    await expect(waiting).rejects.toThrow('the node is closing');
    await expect(a!.send(undefined, 'x', null)).rejects.toThrow('the cluster link is not running');
  });

  it('drops malformed and unknown messages without throwing', async () => {
    let deliver: ((message: string) => void) | undefined;
    const link: ControlLink = {
      start: async (_id, onMessage) => void (deliver = onMessage),
      send: async () => {},
      close: async () => {},
    };
    const warn = vi.fn();
    const node = new Cluster(link, {
      nodeId: 'x',
      heartbeatMs: 1_000,
      info: () => ({ id: 'x', startedAt: 0 }),
      logger: { ...silentLogger, warn },
    });
    clusters.push(node);
    await node.start();
    deliver!('not json');
    deliver!(JSON.stringify({ k: 'zz', from: 'y' }));
    deliver!(JSON.stringify({ k: 'r', from: 'y', id: 999, body: 1 }));
    expect(warn).toHaveBeenCalledTimes(2);
    expect(node.nodes()).toHaveLength(1);
  });
});

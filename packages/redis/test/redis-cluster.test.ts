import { createRelais, type Relais } from '@relais/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker } from '../src/index.js';
import { REDIS_URL, uniquePrefix } from './redis-helpers.js';

describe('nodes on one Redis prefix form a cluster', () => {
  let nodes: Relais[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    nodes = [];
  });

  const node = (prefix: string, nodeId: string): Relais => {
    const relais = createRelais({ nodeId, engine: { broker: new RedisBroker({ urls: [REDIS_URL], prefix }) } });
    nodes.push(relais);
    return relais;
  };

  it('knows its peers, answers their requests, and keeps other prefixes apart', async () => {
    const prefix = uniquePrefix('cluster');
    const [a, b] = [node(prefix, 'a'), node(prefix, 'b')];
    const stranger = node(uniquePrefix('cluster'), 'z');
    await Promise.all([a, b, stranger].map((relais) => relais.listen({ port: 0 })));
    for (const relais of [a, b]) relais.cluster.handle('whoami', (_body, from) => `${relais.cluster.nodeId}, asked by ${from}`);
    await expect(a.cluster.request('b', 'whoami', null, 2_000)).resolves.toBe('b, asked by a');
    await expect(b.cluster.request('a', 'whoami', null, 2_000)).resolves.toBe('a, asked by b');
    // Each heartbeat left before the answer, on the same connection: both know the other now.
    expect(a.cluster.nodes().map((info) => info.id)).toEqual(['a', 'b']);
    expect(b.cluster.nodes().map((info) => info.id)).toEqual(['b', 'a']);
    expect(a.cluster.nodes()[1]).toMatchObject({ id: 'b', connections: 0, subscriptions: 0 });
    expect(stranger.cluster.nodes().map((info) => info.id)).toEqual(['z']);
  });
});

import { createRelais, type Relais } from '@relais/server';
import { emulate, httpSend, openStream, roundRobin } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker, RedisPresenceStore } from '../src/index.js';
import { REDIS_URL, uniquePrefix } from './redis-helpers.js';

describe('HTTP transports on two Redis nodes behind a round-robin balancer', () => {
  let nodes: Relais[] = [];
  afterEach(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    nodes = [];
  });

  it('forwards every command that lands on the other node through Redis: no sticky sessions', async () => {
    const prefix = uniquePrefix('http-transports');
    const node = (nodeId: string): Relais => {
      const relais = createRelais({
        nodeId,
        engine: { broker: new RedisBroker({ urls: [REDIS_URL], prefix }), presence: new RedisPresenceStore({ urls: [REDIS_URL], prefix }) },
      });
      nodes.push(relais);
      return relais;
    };
    const [a, b] = [node('a'), node('b')];
    const ports = await Promise.all([a, b].map(async (relais) => (await relais.listen({ port: 0 })).port));
    // Both know each other before the first request may land on the other one.
    await expect.poll(() => a.cluster.nodes().length + b.cluster.nodes().length).toBe(4);
    const base = await roundRobin(() => ports);
    for (const kind of ['sse', 'http_stream'] as const) {
      const connect = { id: 1, method: 'connect', params: { name: kind } };
      const stream = await openStream(base, kind, kind === 'http_stream' ? JSON.stringify(connect) : undefined);
      if (kind === 'sse') expect((await emulate(base, stream.session, [connect])).status).toBe(204);
      await stream.next((frame) => frame.id === 1);
      for (let id = 2; id < 6; id++) {
        expect((await emulate(base, stream.session, [{ id, method: 'subscribe', params: { channel: `${kind}-${id}` } }])).status).toBe(204);
        expect(await stream.next((frame) => frame.id === id)).toEqual({ id, result: {} });
      }
      const holder = stream.session.startsWith('a.') ? a : b;
      await (holder === a ? b : a).publish(`${kind}-4`, 'through redis');
      expect(await stream.next((frame) => frame.type === 'publication')).toMatchObject({ channel: `${kind}-4`, data: 'through redis' });
    }
    // Long-polling: every poll and command alternates between the nodes.
    const frames = (body: string) =>
      body
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    const opened = await httpSend(base, 'POST', '/connection/long_poll', JSON.stringify({ id: 1, method: 'connect' }));
    const session = opened.headers['x-relais-session'] as string;
    const poll = async () => frames((await httpSend(base, 'POST', '/connection/poll', '', { 'x-relais-session': session })).body);
    for (let id = 2; id < 6; id++) {
      expect((await emulate(base, session, [{ id, method: 'subscribe', params: { channel: `poll-${id}` } }])).status).toBe(204);
      expect(await poll()).toEqual([{ id, result: {} }]);
    }
    await a.publish('poll-3', 'polled through redis');
    expect(await poll()).toEqual([expect.objectContaining({ channel: 'poll-3', data: 'polled through redis' })]);
  });
});

/**
 * GET /metrics and GET /ready on the Redis engine: two nodes on one Redis, known traffic from
 * WebSocket clients in both encodings, exact counts on each node; /ready follows the Redis
 * connection (503 while it is lost, 200 once it is back).
 */
import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL } from '@relais/protocol';
import { createRelais, SERVER_VERSION, type Relais } from '@relais/server';
import { TestClient, parsePrometheusText, sampleValue, type PromFamily } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBroker, RedisPresenceStore } from '../src/index.js';
import { REDIS_URL, RedisServer, deleteKeys, uniquePrefix } from './redis-helpers.js';

let nodes: Relais[] = [];
let clients: TestClient[] = [];
const prefixes: string[] = [];
const servers: RedisServer[] = [];

afterEach(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
  clients = [];
  await Promise.all(servers.splice(0).map((server) => server.remove()));
  await Promise.all(prefixes.splice(0).map((prefix) => deleteKeys(REDIS_URL, prefix)));
});

interface Node {
  relais: Relais;
  base: string;
  url: string;
}

async function startNode(url: string, prefix: string, nodeId: string): Promise<Node> {
  const options = { urls: [url], prefix };
  const relais = createRelais({
    nodeId,
    metrics: true,
    engine: { broker: new RedisBroker(options), presence: new RedisPresenceStore(options) },
    namespaces: { chat: { historySize: 10, historyTtlMs: 60_000, presence: true } },
  });
  nodes.push(relais);
  const { port } = await relais.listen({ port: 0 });
  return { relais, base: `http://127.0.0.1:${port}`, url: `ws://127.0.0.1:${port}${relais.options.path}` };
}

async function connect(node: Node, protocols: string): Promise<TestClient> {
  const client = await TestClient.open(node.url, { protocols });
  clients.push(client);
  await client.call('connect');
  return client;
}

async function scrape(node: Node): Promise<Map<string, PromFamily>> {
  const res = await fetch(`${node.base}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

describe('metrics on the Redis engine', () => {
  it('counts what each node did, exactly, across two nodes', async () => {
    const prefix = uniquePrefix('metrics');
    prefixes.push(prefix);
    const a = await startNode(REDIS_URL, prefix, 'node-a');
    const b = await startNode(REDIS_URL, prefix, 'node-b');
    const alice = await connect(a, JSON_SUBPROTOCOL);
    const bob = await connect(b, MSGPACK_SUBPROTOCOL);
    const bea = await connect(b, JSON_SUBPROTOCOL);
    for (const client of [alice, bob, bea]) await client.call('subscribe', { channel: 'chat:1' });
    for (let i = 0; i < 4; i++) await alice.call('publish', { channel: 'chat:1', data: { i } });
    for (const client of [alice, bob, bea]) {
      for (let i = 0; i < 4; i++) await client.nextPush((push) => push.type === 'publication');
    }
    expect((await alice.call<{ clients: number }>('presence_stats', { channel: 'chat:1' })).clients).toBe(3);

    const ma = await scrape(a);
    const mb = await scrape(b);
    expect(sampleValue(ma, 'relais_node_info', { node_id: 'node-a', version: SERVER_VERSION, engine: 'redis' })).toBe(1);
    expect(sampleValue(mb, 'relais_node_info', { node_id: 'node-b', version: SERVER_VERSION, engine: 'redis' })).toBe(1);
    expect(sampleValue(ma, 'relais_connections', { encoding: 'json' })).toBe(1);
    expect(sampleValue(mb, 'relais_connections', { encoding: 'json' })).toBe(1);
    expect(sampleValue(mb, 'relais_connections', { encoding: 'msgpack' })).toBe(1);
    expect(sampleValue(ma, 'relais_subscriptions', { namespace: 'chat' })).toBe(1);
    expect(sampleValue(mb, 'relais_subscriptions', { namespace: 'chat' })).toBe(2);
    expect(sampleValue(ma, 'relais_channels', { namespace: 'chat' })).toBe(1);
    expect(sampleValue(mb, 'relais_channels', { namespace: 'chat' })).toBe(1);
    // Node A published all four; each node delivered them to its own subscribers.
    expect(sampleValue(ma, 'relais_publications_total', { namespace: 'chat', source: 'client' })).toBe(4);
    expect(sampleValue(mb, 'relais_publications_total', { namespace: 'chat', source: 'client' })).toBe(0);
    expect(sampleValue(ma, 'relais_frames_sent_total', { namespace: 'chat', kind: 'publication' })).toBe(4);
    expect(sampleValue(mb, 'relais_frames_sent_total', { namespace: 'chat', kind: 'publication' })).toBe(8);
    expect(sampleValue(ma, 'relais_engine_requests_total', { op: 'publish' })).toBe(4);
    expect(sampleValue(mb, 'relais_engine_requests_total', { op: 'publish' })).toBe(0);
    // One Redis subscription per node and channel; one history read and one presence entry per subscribe.
    expect(sampleValue(ma, 'relais_engine_requests_total', { op: 'subscribe' })).toBe(1);
    expect(sampleValue(mb, 'relais_engine_requests_total', { op: 'subscribe' })).toBe(1);
    expect(sampleValue(mb, 'relais_engine_requests_total', { op: 'history' })).toBe(2);
    expect(sampleValue(mb, 'relais_engine_requests_total', { op: 'presence_add' })).toBe(2);
    expect(sampleValue(ma, 'relais_engine_requests_total', { op: 'presence_stats' })).toBe(1);
    expect(sampleValue(ma, 'relais_engine_errors_total', { op: 'publish' })).toBe(0);
    expect(sampleValue(ma, 'relais_commands_total', { method: 'publish' })).toBe(4);
    expect(sampleValue(ma, 'relais_command_duration_seconds_count', { method: 'publish' })).toBe(4);
  });

  it('is not ready while Redis is unreachable, and ready again once it is back; engine errors are counted', async () => {
    const server = await RedisServer.start();
    servers.push(server);
    const node = await startNode(server.url, uniquePrefix('ready'), 'node-r');
    const client = await connect(node, JSON_SUBPROTOCOL);
    expect((await fetch(`${node.base}/ready`)).status).toBe(200);
    await server.kill();
    await expect
      .poll(async () => {
        const res = await fetch(`${node.base}/ready`);
        return [res.status, await res.json()];
      })
      .toEqual([503, { status: 'not ready', reason: 'engine unreachable' }]);
    expect((await fetch(`${node.base}/health`)).status).toBe(200);
    await expect(client.call('publish', { channel: 'chat:1', data: 1 })).rejects.toMatchObject({ code: 115 });
    const m = await scrape(node);
    expect(sampleValue(m, 'relais_engine_errors_total', { op: 'publish' })).toBe(1);
    expect(sampleValue(m, 'relais_errors_total', { code: '115' })).toBe(1);
    await server.restart();
    await expect.poll(async () => (await fetch(`${node.base}/ready`)).status, { timeout: 10_000 }).toBe(200);
  });
});

/**
 * GET /metrics and GET /ready of a node over real sockets: known traffic from WebSocket
 * clients in both encodings, then exact counts read back through a strict reader of the text
 * format.
 */
import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, ReplyError, type Push } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import type { Broker } from '../broker.js';
import { createRelais } from '../node.js';
import { delegatingBroker } from '../testkit/delegating-broker.js';
import { parsePrometheusText, sampleValue, type PromFamily } from '../testkit/prometheus-text.js';
import { useTestNodes, type TestNode } from '../testkit/test-node.js';
import { TestClient } from '../testkit/ws-client.js';
import { MemoryBroker } from '../memory/memory-broker.js';
import { frameBytes } from '../transport.js';
import { SERVER_VERSION } from '../version.js';

const start = useTestNodes();
const JSON_CLIENT = { protocols: JSON_SUBPROTOCOL };
const MSGPACK_CLIENT = { protocols: MSGPACK_SUBPROTOCOL };
const NAMESPACES = { chat: { historySize: 10, historyTtlMs: 60_000 }, room: {} };

async function scrape(node: TestNode, headers: Record<string, string> = {}): Promise<Map<string, PromFamily>> {
  const res = await fetch(`${node.base}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

/** Bytes of the publication pushes a client got, in its encoding (a push re-encodes to the same bytes). */
function pushBytes(client: TestClient, pushes: Push[]): number {
  return pushes.reduce((sum, push) => sum + frameBytes(client.codec.encode(push)), 0);
}

async function publications(client: TestClient, count: number): Promise<Push[]> {
  const got: Push[] = [];
  for (let i = 0; i < count; i++) got.push(await client.nextPush((push) => push.type === 'publication'));
  return got;
}

describe('GET /metrics', () => {
  it('is not served unless the metrics option is on', async () => {
    const node = await start();
    expect((await fetch(`${node.base}/metrics`)).status).toBe(404);
  });

  it('counts known traffic exactly, over JSON and MessagePack connections', async () => {
    const node = await start({ namespaces: NAMESPACES, metrics: true, nodeId: 'node-a' });
    node.relais.onConnecting(({ token }) => {
      if (token === 'bad') throw new ReplyError(403, 'refused by the app');
    });
    const alice = await node.connect(JSON_CLIENT);
    const bob = await node.connect(MSGPACK_CLIENT);
    const carol = await node.connect(JSON_CLIENT);
    await alice.call('subscribe', { channel: 'chat:1' });
    await bob.call('subscribe', { channel: 'chat:1' });
    await carol.call('subscribe', { channel: 'room:x' });
    let position = { offset: 0, epoch: '' };
    for (let i = 0; i < 3; i++) position = await alice.call<typeof position>('publish', { channel: 'chat:1', data: { i } });
    await node.relais.publish('chat:1', { from: 'server' });
    await bob.call('publish', { channel: 'room:x', data: 'hello' });
    await expect(alice.call('publish', { channel: 'nope:1', data: 1 })).rejects.toMatchObject({ code: 102 });
    const toAlice = await publications(alice, 4);
    const toBob = await publications(bob, 4);
    const toCarol = await publications(carol, 1);

    // Recovery: one subscribe that recovers what it missed, one whose epoch is gone.
    const dave = await node.connect(MSGPACK_CLIENT);
    const recovered = await dave.call<{ recovered?: boolean }>('subscribe', {
      channel: 'chat:1',
      since: { offset: 1, epoch: position.epoch },
    });
    const lost = await dave.call<{ recovered?: boolean }>('subscribe', { channel: 'chat:2', since: { offset: 1, epoch: 'gone' } });
    expect([recovered.recovered, lost.recovered]).toEqual([true, false]);

    // Handshakes refused: a bad subprotocol, a path nobody serves, a connect the app refuses.
    await expect(TestClient.open(node.url, { protocols: 'chat.v9' })).rejects.toMatchObject({ statusCode: 400 });
    await expect(TestClient.open(node.url.replace('/connection/websocket', '/elsewhere'), JSON_CLIENT)).rejects.toMatchObject({
      statusCode: 404,
    });
    const refused = await node.open(JSON_CLIENT);
    await expect(refused.call('connect', { token: 'bad' })).rejects.toMatchObject({ code: 403 });
    expect((await refused.closed).code).toBe(3505);
    carol.ws.close(1000);
    await carol.closed;
    await expect.poll(() => node.relais.connections).toBe(3);

    const m = await scrape(node);
    const value = (name: string, labels?: Record<string, string>): number => sampleValue(m, name, labels);
    expect(value('relais_node_info', { node_id: 'node-a', version: SERVER_VERSION, engine: 'memory' })).toBe(1);
    // Open: alice (JSON), bob and dave (MessagePack); carol and the refused one closed.
    expect(value('relais_connections', { transport: 'websocket', encoding: 'json' })).toBe(1);
    expect(value('relais_connections', { transport: 'websocket', encoding: 'msgpack' })).toBe(2);
    expect(value('relais_connections_opened_total', { transport: 'websocket', encoding: 'json' })).toBe(3);
    expect(value('relais_connections_opened_total', { transport: 'websocket', encoding: 'msgpack' })).toBe(2);
    expect(value('relais_connects_total')).toBe(4);
    expect(value('relais_disconnects_total', { code: '1000' })).toBe(1);
    expect(value('relais_disconnects_total', { code: '3505' })).toBe(1);
    expect(value('relais_handshake_refusals_total', { reason: 'subprotocol' })).toBe(1);
    expect(value('relais_handshake_refusals_total', { reason: 'path' })).toBe(1);
    expect(value('relais_handshake_refusals_total', { reason: 'auth' })).toBe(1);
    // Subscriptions now: alice, bob and dave on chat:1, dave on chat:2; carol's room:x is gone.
    expect(value('relais_subscriptions', { namespace: 'chat' })).toBe(4);
    expect(value('relais_subscriptions', { namespace: 'room' })).toBe(0);
    expect(value('relais_channels', { namespace: 'chat' })).toBe(2);
    expect(value('relais_channels', { namespace: 'room' })).toBe(0);
    expect(value('relais_publications_total', { namespace: 'chat', source: 'client' })).toBe(3);
    expect(value('relais_publications_total', { namespace: 'chat', source: 'server' })).toBe(1);
    expect(value('relais_publications_total', { namespace: 'room', source: 'client' })).toBe(1);
    // Deliveries: 4 publications to 2 subscribers of chat:1, 1 to carol on room:x.
    expect(value('relais_frames_sent_total', { namespace: 'chat', kind: 'publication' })).toBe(8);
    expect(value('relais_frames_sent_total', { namespace: 'room', kind: 'publication' })).toBe(1);
    expect(value('relais_frames_sent_bytes_total', { namespace: 'chat', kind: 'publication' })).toBe(
      pushBytes(alice, toAlice) + pushBytes(bob, toBob),
    );
    expect(value('relais_frames_sent_bytes_total', { namespace: 'room', kind: 'publication' })).toBe(pushBytes(carol, toCarol));
    // Replies: one per command (4 connects + the refused one, 5 subscribes, 5 publishes).
    expect(value('relais_frames_sent_total', { namespace: '', kind: 'reply' })).toBe(15);
    expect(value('relais_commands_total', { method: 'connect' })).toBe(5);
    expect(value('relais_commands_total', { method: 'subscribe' })).toBe(5);
    expect(value('relais_commands_total', { method: 'publish' })).toBe(5);
    expect(value('relais_command_duration_seconds_count', { method: 'publish' })).toBe(5);
    expect(value('relais_command_duration_seconds_bucket', { method: 'publish', le: '+Inf' })).toBe(5);
    expect(value('relais_errors_total', { code: '102' })).toBe(1);
    expect(value('relais_errors_total', { code: '403' })).toBe(1);
    expect(value('relais_recoveries_total', { namespace: 'chat', outcome: 'recovered' })).toBe(1);
    expect(value('relais_recoveries_total', { namespace: 'chat', outcome: 'not_recovered' })).toBe(1);
    // Engine calls: 5 publishes, 3 channels subscribed, a history read per subscribe on chat.
    expect(value('relais_engine_requests_total', { op: 'publish' })).toBe(5);
    expect(value('relais_engine_requests_total', { op: 'subscribe' })).toBe(3);
    expect(value('relais_engine_requests_total', { op: 'history' })).toBe(4);
    // One call in ENGINE_TIMING_SAMPLE (16) is timed: none of these four.
    expect(value('relais_engine_request_duration_seconds_count', { op: 'history' })).toBe(0);
    expect(value('relais_engine_errors_total', { op: 'publish' })).toBe(0);
    // Every inbound message was one command; the transport totals match stats().
    const stats = node.relais.stats();
    const sum = (name: string): number => (m.get(name)?.samples ?? []).reduce((total, sample) => total + sample.value, 0);
    expect(sum('relais_transport_messages_received_total')).toBe(15);
    expect(sum('relais_transport_messages_received_total')).toBe(stats.messagesIn);
    expect(sum('relais_transport_received_bytes_total')).toBe(stats.bytesIn);
    expect(sum('relais_transport_messages_sent_total')).toBe(stats.messagesOut);
    expect(sum('relais_transport_sent_bytes_total')).toBe(stats.bytesOut);
    expect(value('relais_process_heap_used_bytes')).toBeGreaterThan(0);
    expect(m.has('relais_event_loop_lag_p99_seconds')).toBe(true);
    expect(m.get('relais_gc_duration_seconds')?.type).toBe('histogram');
  });

  it('asks for the bearer token when one is set, and answers HEAD and 405', async () => {
    const node = await start({ metrics: { token: 's3cret' } });
    expect((await fetch(`${node.base}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${node.base}/metrics`, { headers: { authorization: 'Bearer s3cre' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="relais metrics"');
    const m = await scrape(node, { authorization: 'Bearer s3cret' });
    expect(m.has('relais_connections')).toBe(true);
    const head = await fetch(`${node.base}/metrics`, { method: 'HEAD', headers: { authorization: 'Bearer s3cret' } });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const post = await fetch(`${node.base}/metrics`, { method: 'POST', headers: { authorization: 'Bearer s3cret' } });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('serves the same handler mounted elsewhere', async () => {
    const node = await start({ metrics: true });
    node.relais.route({ path: '/internal/metrics', request: node.relais.metricsHandler() });
    const res = await fetch(`${node.base}/internal/metrics`);
    expect(parsePrometheusText(await res.text()).has('relais_node_info')).toBe(true);
  });
});

describe('GET /metrics with apiPort', () => {
  it('is served on the API port, beside the API, and not on the public port', async () => {
    const relais = createRelais({ metrics: true, apiKeys: ['key-of-the-test'], apiPort: 0 });
    try {
      const { port, api } = await relais.listen({ port: 0, host: '127.0.0.1' });
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
      const res = await fetch(`http://127.0.0.1:${api!.port}/metrics`);
      expect(res.status).toBe(200);
      expect(parsePrometheusText(await res.text()).has('relais_node_info')).toBe(true);
    } finally {
      await relais.close();
    }
  });
});

describe('GET /ready', () => {
  it('answers 200 while the node runs, and 503 draining once it closes', async () => {
    const node = await start();
    const res = await fetch(`${node.base}/ready`);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ready' }]);
    expect((await fetch(`${node.base}/health`)).status).toBe(200);
    const closed = node.relais.close();
    expect(node.relais.readiness()).toEqual({ ready: false, reason: 'draining' });
    await closed;
  });

  it('is not ready while the engine starts, nor after it failed to start, nor while it is unreachable', async () => {
    let release: () => void = () => {};
    const slow = createRelais({
      engine: { broker: delegatingBroker(new MemoryBroker(), { start: () => new Promise<void>((resolve) => (release = resolve)) }) },
    });
    expect(slow.readiness()).toEqual({ ready: false, reason: 'engine starting' });
    release();
    await expect.poll(() => slow.readiness()).toEqual({ ready: true });
    await slow.close();

    const broken = createRelais({
      engine: { broker: delegatingBroker(new MemoryBroker(), { start: () => Promise.reject(new Error('down')) }) },
    });
    await expect.poll(() => broken.readiness()).toEqual({ ready: false, reason: 'engine failed' });
    await broken.close();

    let reachable = true;
    const flaky: Broker = Object.assign(delegatingBroker(new MemoryBroker(), {}), { reachable: () => reachable });
    const node = await start({ engine: { broker: flaky } });
    reachable = false;
    const res = await fetch(`${node.base}/ready`);
    expect([res.status, await res.json()]).toEqual([503, { status: 'not ready', reason: 'engine unreachable' }]);
    // Liveness is another question: the process is fine.
    expect((await fetch(`${node.base}/health`)).status).toBe(200);
  });
});

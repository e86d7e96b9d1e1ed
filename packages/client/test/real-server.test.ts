/**
 * End to end over real sockets: a relais node on port 0 is killed mid-stream (its sockets
 * destroyed, no close frames) and a new node is started on the same port. The client must
 * reconnect, resubscribe, flush its queue and resend unacknowledged publishes, so that every
 * acknowledged publish reaches its subscription exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client, type ClientOptions, type Publication, type StateChange } from '@relais/client';
import { msgpack } from '@relais/client/msgpack';
import { killNode, startNode, until } from './nodes.js';

describe('Client against a real relais node', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  const options: ClientOptions = {
    websocket: WebSocket,
    minReconnectDelayMs: 20,
    maxReconnectDelayMs: 100,
    timeoutMs: 15_000,
    window: null,
    document: null,
  };

  it('delivers every acknowledged publish exactly once across a server crash and restart on the same port', async () => {
    let node = await startNode(0);
    const port = node.port;
    cleanup.push(() => (node.http.listening ? killNode(node) : undefined));
    const client = new Client(`ws://127.0.0.1:${port}/connection/websocket`, options);
    cleanup.push(() => client.close());
    const states: StateChange[] = [];
    client.on('state', (s) => states.push(s));
    const sub = client.subscribe<{ n: number }>('stream:e2e');
    const received: number[] = [];
    sub.on('publication', (p: Publication<{ n: number }>) => received.push(p.data.n));
    client.connect();
    await client.ready();
    await until(() => sub.state === 'subscribed', 'first subscribe');

    // 1. A stream acknowledged before the outage.
    const acked: number[] = [];
    const publish = (n: number) => sub.publish({ n }).then(() => acked.push(n));
    for (let n = 0; n < 20; n++) await publish(n);
    await until(() => received.length === 20, 'the first 20 publications');

    // 2. Publishes written to the socket but not yet read by the server when it dies: in flight,
    //    unacknowledged, so the client must resend them (same idempotency keys) after reconnecting.
    const inflight = [20, 21, 22, 23, 24].map(publish);
    expect(client.stats().inflight).toBe(5);
    await killNode(node);
    await until(() => client.state !== 'connected', 'the client to notice the crash');

    // 3. Publishes made during the outage wait in the offline queue.
    const queued = [25, 26, 27, 28, 29].map(publish);
    expect(client.stats().queuedSends).toBeGreaterThanOrEqual(5);
    // Let at least one reconnect attempt fail against the closed port.
    await until(() => states.filter((s) => s.state === 'disconnected').length >= 2, 'a failed reconnect attempt');

    node = await startNode(port);
    await Promise.all([...inflight, ...queued]);

    // 4. And the stream goes on after the outage.
    for (let n = 30; n < 40; n++) await publish(n);
    // 40 is a sentinel: per-channel order means any duplicate of 0–39 arrives before it.
    await publish(40);
    await until(() => received.includes(40), 'the sentinel publication');

    expect(acked.sort((a, b) => a - b)).toEqual(Array.from({ length: 41 }, (_, n) => n));
    expect(received).toEqual(Array.from({ length: 41 }, (_, n) => n));
    expect(sub.state).toBe('subscribed');
    expect(client.stats().reconnects).toBe(1);
    const down = states.filter((s) => s.state === 'disconnected');
    expect(down.length).toBeGreaterThanOrEqual(2);
    expect(down.every((s) => s.nextRetryAt !== undefined)).toBe(true);
  });

  it('speaks msgpack to a real node: rpc error codes come back typed', async () => {
    const node = await startNode(0);
    cleanup.push(() => killNode(node));
    const client = new Client(`ws://127.0.0.1:${node.port}/connection/websocket`, { ...options, encoding: msgpack });
    cleanup.push(() => client.close());
    client.connect();
    await client.ready();
    // The SDK offers protocol 2 first (relais.v2.msgpack), which this node speaks.
    expect(client.connectResult?.protocol).toBe(2);
    await expect(client.rpc('no-such-method')).rejects.toMatchObject({ name: 'ServerError', serverCode: 104 });
  });
});

/**
 * The SDK over the HTTP transports, against a real relais node: HTTP streaming (fetch), SSE
 * (the `eventsource` package, as a browser's EventSource) and long-polling, the fallback when WebSockets are
 * blocked, and the move back to WebSocket once they work again, losing no publication.
 */
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Client, type ClientOptions, type Publication } from '@relais/client';
import { FALLBACKS, fallbacks } from '@relais/client/fallback';
import { createRelais, type Relais, type RelaisOptions } from '@relais/server';
import { until } from './nodes.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function node(options: RelaisOptions = {}): Promise<{ relais: Relais; url: string }> {
  const relais = createRelais({ namespaces: { room: { historySize: 100, historyTtlMs: 60_000 } }, ...options });
  cleanup.push(() => relais.close());
  const { port } = await relais.listen({ port: 0 });
  return { relais, url: `ws://127.0.0.1:${port}/connection/websocket` };
}

const base: ClientOptions = { minReconnectDelayMs: 10, maxReconnectDelayMs: 50, window: null, document: null, EventSource };

function client(url: string, options: ClientOptions): Client {
  const c = new Client(url, { ...base, ...options });
  cleanup.push(() => c.close());
  return c;
}

/** A WebSocket a proxy kills during the upgrade, until `blocked.on` is false. */
function blockable(): { ctor: typeof WebSocket; blocked: { on: boolean } } {
  const blocked = { on: true };
  class Blockable extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      // A port nothing listens on: the upgrade fails as a blocked one does.
      super(blocked.on ? 'ws://127.0.0.1:9/connection/websocket' : url, protocols);
    }
  }
  return { ctor: Blockable as unknown as typeof WebSocket, blocked };
}

describe('the SDK over HTTP transports', () => {
  it.each(['http_stream', 'sse', 'long_poll'] as const)('subscribes, publishes, calls and receives over %s', async (kind) => {
    const { relais, url } = await node();
    relais.rpc('echo', ({ data }) => data);
    const c = client(url, { transports: [FALLBACKS[kind]] });
    const sub = c.subscribe<{ n: number }>('room:a');
    const got: number[] = [];
    sub.on('publication', (pub: Publication<{ n: number }>) => got.push(pub.data.n));
    c.connect();
    await c.ready();
    expect(c.transport).toBe(kind);
    await until(() => sub.state === 'subscribed', 'subscribed');
    for (let n = 0; n < 5; n++) await sub.publish({ n });
    await relais.publish('room:a', { n: 5 });
    await until(() => got.length === 6, 'six publications');
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await c.rpc('echo', { hello: kind })).toEqual({ hello: kind });
    expect(relais.stats().connections).toBe(1);
  });

  it.each(['http_stream', 'long_poll'] as const)('reconnects and recovers after the server ends the session (%s)', async (kind) => {
    const { relais, url } = await node();
    const c = client(url, { transports: [FALLBACKS[kind]] });
    const sub = c.subscribe<number>('room:b');
    const got: number[] = [];
    sub.on('publication', (pub: Publication<number>) => got.push(pub.data));
    c.connect();
    await until(() => sub.state === 'subscribed', 'subscribed');
    await relais.publish('room:b', 1);
    await until(() => got.length === 1, 'the first publication');
    relais.disconnect({ client: c.connectResult!.client }, 3011, 'reconnect please');
    await until(() => c.state !== 'connected', 'the disconnect');
    await relais.publish('room:b', 2);
    await until(() => got.length === 2 && sub.state === 'subscribed', 'the recovered publication');
    expect(got).toEqual([1, 2]);
  });

  it('falls back to HTTP streaming when the WebSocket is blocked, and moves back without losing a publication', async () => {
    const { relais, url } = await node();
    const { ctor, blocked } = blockable();
    const c = client(url, { websocket: ctor, transports: fallbacks, transportRetryMs: 100 });
    const sub = c.subscribe<number>('room:c');
    const got: number[] = [];
    sub.on('publication', (pub: Publication<number>) => got.push(pub.data));
    c.connect();
    await c.ready();
    expect(c.transport).toBe('http_stream');
    await until(() => sub.state === 'subscribed', 'subscribed over HTTP');
    let n = 0;
    await relais.publish('room:c', n++);
    // WebSockets work again: the next probe moves the client back, while publications go on.
    blocked.on = false;
    while (c.transport !== 'websocket' || c.state !== 'connected' || sub.state !== 'subscribed') {
      await relais.publish('room:c', n++);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await relais.publish('room:c', n++);
    await until(() => got.length === n, `all ${n} publications`);
    expect(got).toEqual([...Array(n).keys()]);
  });
});

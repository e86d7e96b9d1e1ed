/**
 * The durable outbox against a real relais node over real sockets, in Node with the JSON file
 * store: a process that dies after the server applied a publish (or ran an RPC) but before the
 * outbox removed it resends it on its next start, and the server, remembering the key, delivers
 * it once (runs the handler once, answering the resend with the first reply).
 */
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRelais, type Relais } from '@relais/server';
import { Client } from '@relais/client';
import { JsonFileOutboxStore, Outbox } from '@relais/client/outbox';
import { until } from './sockets.js';

const files = { readFile, writeFile, rename };

describe('Outbox against a real relais node', () => {
  let relais: Relais;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    relais = createRelais({ namespaces: { room: { historySize: 100, historyTtlMs: 60_000 } } });
    const { port } = await relais.listen({ port: 0 });
    url = `ws://127.0.0.1:${port}/connection/websocket`;
    dir = await mkdtemp(join(tmpdir(), 'relais-outbox-e2e-'));
  });
  afterAll(async () => {
    await relais.close();
    await rm(dir, { recursive: true, force: true });
  });

  const client = () =>
    new Client(url, { websocket: WebSocket, window: null, document: null, minReconnectDelayMs: 5, maxReconnectDelayMs: 30 });

  it('resends after a restart what the server applied but never acknowledged, and it is delivered once', async () => {
    const path = join(dir, 'crash.json');
    // The first process wrote the entry, sent it, and died before the ack reached it.
    const entry = { key: 'crash-key-1', channel: 'room:crash', data: { n: 1 }, createdAt: Date.now() };
    await new JsonFileOutboxStore(path, files).put(entry);
    const first = client();
    first.connect();
    await first.publish(entry.channel, entry.data, { idempotencyKey: entry.key });
    first.close();

    const second = client();
    const outbox = new Outbox(second, { store: new JsonFileOutboxStore(path, files) });
    const sent: string[] = [];
    outbox.on('sent', ({ entry }) => sent.push(entry.key));
    expect(await outbox.start()).toBe(1);
    second.connect();
    await until(() => sent.length === 1, 'the resend to be acknowledged');
    expect((await relais.history('room:crash')).publications.map((p) => p.data)).toEqual([{ n: 1 }]);
    expect(await new JsonFileOutboxStore(path, files).list()).toEqual([]);
    second.close();
  });

  it('resends after a restart an rpc the server ran but never answered: the handler ran once, the resend got its reply', async () => {
    let runs = 0;
    relais.rpc('charge', ({ data }) => ({ charged: data, run: ++runs }));
    const path = join(dir, 'crash-rpc.json');
    const entry = { kind: 'rpc' as const, key: 'crash-rpc-1', method: 'charge', data: 5, createdAt: Date.now() };
    await new JsonFileOutboxStore(path, files).put(entry);
    const first = client();
    first.connect();
    expect(await first.rpc('charge', 5, { idempotencyKey: entry.key })).toEqual({ charged: 5, run: 1 });
    first.close(); // ... and died before removing the entry

    const second = client();
    const outbox = new Outbox(second, { store: new JsonFileOutboxStore(path, files) });
    const answered: unknown[] = [];
    outbox.on('answered', ({ data }) => answered.push(data));
    expect(await outbox.start()).toBe(1);
    second.connect();
    await until(() => answered.length === 1, 'the resend to be answered');
    expect(answered).toEqual([{ charged: 5, run: 1 }]);
    expect(runs).toBe(1);
    expect(await new JsonFileOutboxStore(path, files).list()).toEqual([]);
    second.close();
  });

  it('publishes through the outbox and leaves nothing behind once acknowledged', async () => {
    const c = client();
    const store = new JsonFileOutboxStore(join(dir, 'plain.json'), files);
    const outbox = new Outbox(c, { store });
    c.connect();
    await outbox.publish('room:plain', 'hello');
    await outbox.publish('room:plain', 'world');
    expect((await relais.history('room:plain')).publications.map((p) => p.data)).toEqual(['hello', 'world']);
    expect(await store.list()).toEqual([]);
    c.close();
  });
});

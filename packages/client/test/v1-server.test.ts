/**
 * The SDK against a server older than protocol 2, over a real socket: a `ws` server that knows
 * only `relais.v1.json` (as relais did before protocol 2) and answers connect and subscribe by
 * hand. The SDK offers v2 then v1; the server picks v1, and the SDK speaks v1 with it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { Client } from '@relais/client';
import { until } from './nodes.js';

describe('the SDK against a protocol 1 server', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('falls back to relais.v1.json and reads v1 publications, dropping a duplicate offset', async () => {
    const offers: string[][] = [];
    const server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      handleProtocols: (protocols) => {
        offers.push([...protocols]);
        return protocols.has('relais.v1.json') ? 'relais.v1.json' : false;
      },
    });
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    server.on('connection', (ws) => {
      ws.on('message', (data) => {
        for (const line of data.toString().split('\n')) {
          const command = JSON.parse(line) as { id: number; method: string };
          if (command.method === 'connect') {
            const result = {
              client: 'c-1',
              user: '',
              version: '0.0.9',
              protocol: 1,
              pingIntervalMs: 25_000,
              pongTimeoutMs: 10_000,
              maxMessageBytes: 65_536,
            };
            ws.send(JSON.stringify({ id: command.id, result }));
          } else if (command.method === 'subscribe') {
            ws.send(JSON.stringify({ id: command.id, result: { recoverable: true, offset: 4, epoch: 'old' } }));
            for (const [offset, data] of [
              [5, 'a'],
              [5, 'a again'],
              [6, 'b'],
            ] as const) {
              ws.send(JSON.stringify({ type: 'publication', channel: 'chat:room-42', data, offset, epoch: 'old' }));
            }
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as { port: number };

    const client = new Client(`ws://127.0.0.1:${port}/`, { websocket: WebSocket, window: null, document: null });
    cleanup.push(() => client.close());
    const sub = client.subscribe<string>('chat:room-42');
    const received: string[] = [];
    sub.on('publication', (pub) => received.push(pub.data));
    client.connect();
    await client.ready();
    await until(() => received.includes('b'), 'the publications');
    expect(offers).toEqual([['relais.v2.json', 'relais.v1.json']]);
    expect(client.connectResult?.protocol).toBe(1);
    expect(received).toEqual(['a', 'b']);
    expect(sub.position).toEqual({ offset: 6, epoch: 'old' });
  });
});

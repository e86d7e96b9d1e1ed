/**
 * Slow subscribers catch up, end to end over real sockets: the SDK's socket stops being read
 * (its TCP reads paused) while a channel of a namespace with slowConsumer 'catch-up' keeps
 * publishing; the server stops pushing to it instead of closing it, and once it reads again the
 * SDK pulls what it missed with `resume` and is live again: every publication once, in order,
 * the connection never dropped, and a fast subscriber of the same channel got everything live.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createRelais, type Relais } from '@relais/server';
import { Client, type ClientOptions, type ClientState, type WebSocketConstructor } from '@relais/client';
import { until } from './sockets.js';

const OPTIONS = {
  maxQueueBytes: 65_536,
  namespaces: { feed: { historySize: 100_000, historyTtlMs: 600_000, historyMaxBytes: 256 * 2 ** 20, slowConsumer: 'catch-up' as const } },
};
const PAYLOAD = 'x'.repeat(16_384);
const MAX_PUBLISHES = 5_000;

type Tcp = { pause(): void; resume(): void };

/** A WebSocket constructor whose TCP reads can be paused and resumed. */
function pausableSockets(): { WebSocket: WebSocketConstructor; pause(): void; resume(): void } {
  const sockets: WebSocket[] = [];
  const tcp = (ws: WebSocket): Tcp => (ws as unknown as { _socket: Tcp })._socket;
  return {
    WebSocket: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    },
    pause: () => sockets.forEach((ws) => tcp(ws).pause()),
    resume: () => sockets.forEach((ws) => tcp(ws).resume()),
  };
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('a slow subscriber against a real relais node', () => {
  let relais: Relais | undefined;
  const open: Client[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((client) => client.close()));
    await relais?.close();
  });

  async function start(): Promise<{ relais: Relais; client(options?: ClientOptions): Client }> {
    const node = (relais = createRelais(OPTIONS));
    const { port } = await node.listen({ port: 0, host: '127.0.0.1' });
    const client = (options: ClientOptions = {}): Client => {
      const c = new Client(`ws://127.0.0.1:${port}/connection/websocket`, {
        websocket: WebSocket,
        window: null,
        document: null,
        ...options,
      });
      open.push(c);
      c.connect();
      return c;
    };
    return { relais: node, client };
  }

  it('falls behind without being closed, catches up from history with every publication once and in order, and goes live again', async () => {
    const node = await start();
    const sockets = pausableSockets();
    const slowClient = node.client({ websocket: sockets.WebSocket });
    const states: ClientState[] = [];
    slowClient.on('state', ({ state }) => states.push(state));
    const slow = slowClient.subscribe<{ n: number }>('feed:a');
    const fast = node.client().subscribe<{ n: number }>('feed:a');
    const slowOffsets: number[] = [];
    const fastOffsets: number[] = [];
    slow.on('publication', (pub) => slowOffsets.push(pub.offset!));
    fast.on('publication', (pub) => fastOffsets.push(pub.offset!));
    await until(() => slow.state === 'subscribed' && fast.state === 'subscribed', 'both subscribed');

    sockets.pause();
    let last = 0;
    for (let i = 0; i < MAX_PUBLISHES && node.relais.stats().fellBehind === 0; i++) {
      last = (await node.relais.publish('feed:a', { n: i, PAYLOAD })).offset!;
      await turn();
    }
    expect(node.relais.stats().fellBehind).toBe(1);
    for (let i = 0; i < 20; i++) last = (await node.relais.publish('feed:a', { n: -1 })).offset!;
    await until(() => fastOffsets.length === last, 'the fast subscriber has every publication');
    expect(slowOffsets.length).toBeLessThan(last);

    sockets.resume();
    await until(() => slowOffsets.at(-1) === last, 'the slow subscriber caught up');
    const all = Array.from({ length: last }, (_, i) => i + 1);
    expect(slowOffsets).toEqual(all);
    expect(fastOffsets).toEqual(all);

    // Live again: pushed, not read from history.
    const resumes = node.relais.stats().commands.resume ?? 0;
    expect(resumes).toBeGreaterThan(0);
    const next = (await node.relais.publish('feed:a', { n: -2 })).offset!;
    await until(() => slowOffsets.at(-1) === next, 'the slow subscriber gets live pushes');
    expect(node.relais.stats().commands.resume).toBe(resumes);
    expect(states).toEqual(['connected']); // 'connecting' came before the listener; never disconnected
    expect(node.relais.stats().disconnects).toEqual({});
    expect(slow.state).toBe('subscribed');
  });
});

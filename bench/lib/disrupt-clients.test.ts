/**
 * The disruption scenarios' reconnecting subscribers against the benchmark's real servers on
 * port 0: a subscriber whose TCP connection is destroyed while publications go on gets every
 * one of them once it is back, none twice, from relais (history on, `subscribe` with `since`)
 * and from Socket.IO with connectionStateRecovery (CONNECT with `pid` and `offset`); without
 * recovery, Socket.IO's subscriber misses them. Publishers are the real client libraries.
 */
import { Client } from '@relais/client';
import { io, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { VARIANTS } from '../servers/index.mjs';
import { DisruptedClient } from './disrupt-clients.mjs';
import { seededRandom } from './disrupt.mjs';
import { monoMs } from './histogram.mjs';

const ROOM = 'room:0';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves once `check()` holds; rejects after `ms` with `what()`. */
function until(check: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() - started > ms) reject(new Error(what()));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

interface Probe {
  client: DisruptedClient;
  seqs: number[];
  replayed: number[];
}

function subscriber(protocol: 'relais' | 'socketio', port: number, csr: boolean): Probe {
  const seqs: number[] = [];
  const replayed: number[] = [];
  const client = new DisruptedClient({
    protocol,
    room: ROOM,
    csr,
    capacity: 100,
    random: seededRandom(1),
    hooks: {
      pickPort: () => port,
      onPayload: (_client: unknown, seq: number, _t: number, replayFrom?: number) => {
        seqs.push(seq);
        if (replayFrom !== undefined) replayed.push(seq);
      },
    },
  });
  cleanups.push(() => client.stop());
  client.open();
  return { client, seqs, replayed };
}

/** Stamped on the load generator's clock, as the benchmark's publisher does. */
const payload = (s: number) => ({ s, t: monoMs() });

/** Publishes 0..4, kills the subscriber, publishes 5..9 (each accepted), brings it back, publishes 10. */
async function disrupt(probe: Probe, publish: (s: number) => Promise<unknown>): Promise<void> {
  await until(
    () => probe.client.ready,
    () => 'subscriber never ready',
  );
  for (let s = 0; s < 5; s++) await publish(s);
  await until(
    () => probe.seqs.length >= 5,
    () => `before the kill: ${probe.seqs}`,
  );
  expect(probe.client.kill()).toBe(true);
  for (let s = 5; s < 10; s++) await publish(s);
  probe.client.open();
  await until(
    () => probe.client.ready,
    () => 'subscriber never back',
  );
  await publish(10);
  await until(
    () => probe.seqs.includes(10),
    () => `after the return: ${probe.seqs}`,
  );
}

async function start(name: 'relais' | 'socketio' | 'socketio-csr'): Promise<number> {
  const server = (await VARIANTS[name].start({ port: 0, history: true })) as { port: number; close(): Promise<void> };
  cleanups.push(() => server.close());
  return server.port;
}

async function socketioPublisher(port: number): Promise<(s: number) => Promise<unknown>> {
  const socket: Socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  cleanups.push(() => socket.close());
  await new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(undefined));
    socket.once('connect_error', reject);
  });
  return (s) => socket.timeout(5_000).emitWithAck('pub', ROOM, payload(s));
}

describe('DisruptedClient', () => {
  it('relais: recovers what was published while its TCP connection was gone, once each', async () => {
    const port = await start('relais');
    const publisher = new Client(`ws://127.0.0.1:${port}/connection/websocket`, { websocket: WebSocket });
    cleanups.push(() => publisher.close());
    publisher.connect();
    const probe = subscriber('relais', port, false);
    await disrupt(probe, (s) => publisher.publish(ROOM, payload(s)));
    expect(probe.seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(probe.replayed).toEqual([5, 6, 7, 8, 9]);
    expect(probe.client.recovered).toBe(1);
    expect(probe.client.log.duplicates).toBe(0);
  });

  it('Socket.IO with connectionStateRecovery: the same, through pid and offset', async () => {
    const port = await start('socketio-csr');
    const probe = subscriber('socketio', port, true);
    await disrupt(probe, await socketioPublisher(port));
    expect(probe.seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(probe.replayed).toEqual([5, 6, 7, 8, 9]);
    expect(probe.client.recovered).toBe(1);
  });

  it('Socket.IO without recovery: what was published meanwhile is missed', async () => {
    const port = await start('socketio');
    const probe = subscriber('socketio', port, false);
    await disrupt(probe, await socketioPublisher(port));
    expect(probe.seqs).toEqual([0, 1, 2, 3, 4, 10]);
    expect(probe.client.log.missing([5, 6, 7, 8, 9])).toBe(5);
  });
});

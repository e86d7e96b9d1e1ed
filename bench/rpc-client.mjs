/**
 * @module bench/rpc-client
 * Request/response round trips through the real client libraries, one call at a time:
 * @relais/client `rpc('echo')`, socket.io-client `emitWithAck('rpc')`, and for ws a plain
 * `ws` client matching `{"id"}` replies (ws has no acknowledgements of its own).
 */
import { Client } from '@relais/client';
import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { monoMs } from './lib/histogram.mjs';
import { serve } from './lib/ipc.mjs';

const PAYLOAD = { text: 'ping', n: 42 };

async function relaisCaller(port) {
  const client = new Client(`ws://127.0.0.1:${port}/connection/websocket`, { websocket: WebSocket });
  client.connect();
  await client.ready();
  return { call: () => client.rpc('echo', PAYLOAD), close: () => client.close() };
}

async function socketioCaller(port) {
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return { call: () => socket.emitWithAck('rpc', PAYLOAD), close: () => socket.close() };
}

async function wsCaller(port) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pending = new Map();
  let nextId = 1;
  ws.on('message', (data) => {
    const reply = JSON.parse(data.toString());
    pending.get(reply.id)?.(reply.result);
    pending.delete(reply.id);
  });
  return {
    call: () =>
      new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, rpc: PAYLOAD }));
      }),
    close: () => ws.close(),
  };
}

const CALLERS = { relais: relaisCaller, socketio: socketioCaller, ws: wsCaller };

serve({
  roundTrips: async ({ protocol, port, warmup, calls }) => {
    const caller = await CALLERS[protocol](port);
    const samples = [];
    try {
      for (let i = 0; i < warmup + calls; i++) {
        const started = monoMs();
        const answer = await caller.call();
        if (answer?.n !== 42) throw new Error(`bad echo: ${JSON.stringify(answer)}`);
        if (i >= warmup) samples.push(monoMs() - started);
      }
    } finally {
      caller.close();
    }
    samples.sort((a, b) => a - b);
    const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
    return { count: samples.length, p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1] };
  },
  close: () => {
    setImmediate(() => process.exit(0));
    return {};
  },
});
process.send?.({ ready: true });

/**
 * @module bench/pg-changes-clients
 * The subscribers of bench/pg-changes.mjs: `count` SDK clients (@relais/client over `ws`), client
 * i subscribed to the changes of `table` filtered on `room=eq.<i % filters>`. Every change
 * callback records commit-to-callback latency: now minus the row's `sent_ms` (CLOCK_MONOTONIC ms,
 * stamped by the writer just before its INSERT). Answers `stats`, `reset` and `close`.
 */
import { Client } from '@relais/client';
import { subscribeChanges } from '@relais/client/changes';
import WebSocket from 'ws';
import { Histogram, monoMs } from './lib/histogram.mjs';
import { serve } from './lib/ipc.mjs';

const [port, table, count, filters] = process.argv.slice(2).map((arg, i) => (i === 1 ? arg : Number(arg)));
const histogram = new Histogram();
let deliveries = 0;
let lastAtMs = 0;
const clients = [];
let subscribed = 0;
/** Connections lost during the run (a slow subscriber closed by the server, say): their changes may be missing. */
let disconnects = 0;
let causes = {};

for (let i = 0; i < count; i++) {
  const client = new Client(`ws://127.0.0.1:${port}/`, { websocket: WebSocket });
  clients.push(client);
  const sub = subscribeChanges(client, { table, event: 'INSERT', filter: `room=eq.${i % filters}` });
  sub.on('change', (change) => {
    const now = monoMs();
    histogram.record((now - change.new.sent_ms) * 1000);
    deliveries++;
    lastAtMs = now;
  });
  sub.on('state', ({ state, previous }) => {
    if (state === 'subscribed') subscribed++;
    else if (previous === 'subscribed') subscribed--;
  });
  client.on('state', ({ state, code, reason, error }) => {
    if (state !== 'disconnected') return;
    disconnects++;
    const cause = `${code ?? ''} ${reason ?? error?.message ?? ''}`.trim();
    causes[cause] = (causes[cause] ?? 0) + 1;
  });
  sub.on('error', (error) => console.error('subscription error', error.message));
  client.connect();
  // Connect in small steps: a thousand upgrades at once would only measure the accept queue.
  if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 20));
}

serve({
  stats: () => ({ subscribed, disconnects, causes, deliveries, lastAtMs, latency: histogram.summary(), cpu: process.cpuUsage() }),
  reset: () => {
    histogram.reset();
    deliveries = 0;
    disconnects = 0;
    causes = {};
    lastAtMs = 0;
  },
  close: () => {
    for (const client of clients) client.close();
    setImmediate(() => process.exit(0));
  },
});
process.send?.({ ready: true });

/**
 * @module bench/transports-cost
 * What a session costs the server on each transport, side by side in one run: WebSocket, SSE,
 * HTTP streaming and long-polling. `npm run build && node bench/transports-cost.mjs [sessions]
 * [publications]` starts one relais server process (pinned to core 0, `--expose-gc`), opens
 * `sessions` idle sessions on one transport (connect + subscribe to one channel), reads the
 * server's heap and RSS after a full GC, then publishes `publications` to that channel and reads
 * the server's CPU per delivery; then the next transport, on a fresh server. Clients run here,
 * on core 1. Prints one line per transport and the ratios to WebSocket.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { call } from './lib/ipc.mjs';
import { LOAD_CORE, SERVER_CORE, killAll, pin, spawn, stop } from './lib/procs.mjs';

const SESSIONS = Number(process.argv[2] ?? 500);
const PUBLICATIONS = Number(process.argv[3] ?? 200);
const CHANNEL = 'bench';
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const commands = (...list) => list.map((command) => JSON.stringify(command)).join('\n');
const CONNECT_SUBSCRIBE = commands({ id: 1, method: 'connect' }, { id: 2, method: 'subscribe', params: { channel: CHANNEL } });

/** One request; resolves with status, headers and body text (or, with `stream`, the response). */
function request(port, method, path, body, headers = {}, stream = false) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent }, (res) => {
      if (stream) return resolve(res);
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Counts publications in a stream of text (frames never split a `"type":"publication"`). */
function counter() {
  let tail = '';
  return (chunk, onPublication) => {
    const text = tail + chunk;
    let at = 0;
    while ((at = text.indexOf('"type":"publication"', at)) >= 0) {
      onPublication();
      at += 20;
    }
    tail = text.slice(-20);
  };
}

/** Opens one session on `kind`; resolves once subscribed, calling `delivered` per publication. */
async function open(kind, port, delivered) {
  const count = counter();
  if (kind === 'websocket') {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, 'relais.v1.json');
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let subscribed;
    const ready = new Promise((resolve) => (subscribed = resolve));
    ws.on('message', (data) => {
      const text = data.toString();
      if (text.includes('"id":2')) subscribed();
      count(text, delivered);
    });
    ws.send(CONNECT_SUBSCRIBE);
    await ready;
    return () => ws.terminate();
  }
  if (kind === 'long_poll') {
    const opened = await request(port, 'POST', '/connection/long_poll', CONNECT_SUBSCRIBE);
    const session = opened.headers['x-relais-session'];
    let answered = opened.body.includes('"id":2');
    let running = true;
    const loop = (async () => {
      while (running) {
        const polled = await request(port, 'POST', '/connection/poll', '', { 'x-relais-session': session }).catch(() => undefined);
        if (!polled || polled.status !== 200) return;
        if (polled.body.includes('"id":2')) answered = true;
        count(polled.body, delivered);
      }
    })();
    while (!answered) await new Promise((resolve) => setTimeout(resolve, 5));
    return () => {
      running = false;
      void loop;
    };
  }
  const sse = kind === 'sse';
  const res = await request(
    port,
    sse ? 'GET' : 'POST',
    sse ? '/connection/sse' : '/connection/http_stream',
    sse ? undefined : CONNECT_SUBSCRIBE,
    {},
    true,
  );
  const session = res.headers['x-relais-session'];
  let subscribed;
  const ready = new Promise((resolve) => (subscribed = resolve));
  res.setEncoding('utf8');
  res.on('data', (chunk) => {
    if (chunk.includes('"id":2')) subscribed();
    count(chunk, delivered);
  });
  if (sse) await request(port, 'POST', '/connection/emulation', CONNECT_SUBSCRIBE, { 'x-relais-session': session });
  await ready;
  return () => res.destroy();
}

async function measure(kind) {
  const { child } = await spawn('server-main.mjs', ['relais'], { core: SERVER_CORE, execArgv: ['--expose-gc'] });
  const port = await call(child, 'port');
  const before = await call(child, 'gc');
  let deliveries = 0;
  const closers = [];
  for (let i = 0; i < SESSIONS; i += 50) {
    const batch = Array.from({ length: Math.min(50, SESSIONS - i) }, () => open(kind, port, () => deliveries++));
    closers.push(...(await Promise.all(batch)));
  }
  const idle = await call(child, 'gc');
  const publisher = new WebSocket(`ws://127.0.0.1:${port}/connection/websocket`, 'relais.v1.json');
  await new Promise((resolve) => publisher.once('open', resolve));
  let acked = 0;
  publisher.on('message', (data) => (acked += (data.toString().match(/"result"/g) ?? []).length));
  publisher.send(commands({ id: 1, method: 'connect' }));
  while (acked < 1) await new Promise((resolve) => setTimeout(resolve, 1));
  const cpuBefore = (await call(child, 'usage')).cpuUs;
  const expected = PUBLICATIONS * SESSIONS;
  for (let n = 0; n < PUBLICATIONS; n++) {
    publisher.send(commands({ id: n + 2, method: 'publish', params: { channel: CHANNEL, data: { n, pad: '0123456789abcdef' } } }));
    // Paced: every 20 publications, wait for their acks and for half of their deliveries.
    if (n % 20 === 19)
      while (acked < n + 2 || deliveries < ((n + 1) * SESSIONS) / 2) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const deadline = Date.now() + 60_000;
  while (deliveries < expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  const cpuAfter = (await call(child, 'usage')).cpuUs;
  for (const close of closers) close();
  publisher.terminate();
  await stop(child);
  return {
    kind,
    heapKB: (idle.heapUsed - before.heapUsed) / 1024 / SESSIONS,
    rssKB: (idle.rss - before.rss) / 1024 / SESSIONS,
    cpuUsPerDelivery: (cpuAfter - cpuBefore) / Math.max(deliveries, 1),
    delivered: deliveries,
    expected,
  };
}

pin(process.pid, LOAD_CORE);
try {
  const results = [];
  for (const kind of ['websocket', 'sse', 'http_stream', 'long_poll']) results.push(await measure(kind));
  const ws = results[0];
  console.log(`${SESSIONS} idle sessions, then ${PUBLICATIONS} publications to all of them (server on core ${SERVER_CORE})`);
  console.log('transport     heap KB/session  RSS KB/session  CPU µs/delivery  delivered   (ratio to websocket)');
  for (const r of results) {
    console.log(
      `${r.kind.padEnd(13)} ${r.heapKB.toFixed(1).padStart(15)} ${r.rssKB.toFixed(1).padStart(15)} ${r.cpuUsPerDelivery.toFixed(2).padStart(16)}  ${`${r.delivered}/${r.expected}`.padStart(10)}   heap ${(r.heapKB / ws.heapKB).toFixed(2)}x, CPU ${(r.cpuUsPerDelivery / ws.cpuUsPerDelivery).toFixed(2)}x`,
    );
  }
} finally {
  killAll();
  agent.destroy();
}

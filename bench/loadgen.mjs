/**
 * @module bench/loadgen
 * A load generator process, driven by the orchestrator over IPC: opens raw WebSocket
 * subscribers (bench/lib/protocols.mjs over bench/lib/raw-ws.mjs, a minimal client on
 * `node:net`), or one publisher that publishes at a fixed rate, and reports deliveries and
 * delivery latency (publisher send time → subscriber receipt).
 *
 * Slow subscribers (`connect` with `slow: true`) stop reading once ready: their sockets are
 * paused, so the kernel buffers fill and the server's send queue for them grows. A paused
 * socket cannot see the server close it; `resume` reads again and counts those it did.
 */
import { Histogram, monoMs } from './lib/histogram.mjs';
import { serve } from './lib/ipc.mjs';
import { PROTOCOLS, channelName, forEachStamp } from './lib/protocols.mjs';
import { RawWebSocket } from './lib/raw-ws.mjs';

const PADDING = '0123456789abcdef0123456789abcdef';
/** Bytes of a published payload besides its padding (`{"s":…,"t":…,"x":""}`), about. */
const PAYLOAD_OVERHEAD_BYTES = 36;
const TICK_MS = 5;
const MAX_BURST = 2_000;

const sockets = new Set();
const latency = new Histogram();
let received = 0;
let dropped = 0;
/** Ready clients the server closed, by close code (1006: the connection ended without one). */
const closeCodes = new Map();
let lastReceiveAt = 0;
let maxGapMs = 0;

function onStamp(t) {
  const now = monoMs();
  latency.record((now - t) * 1000);
  received++;
}

/** Opens one client (from `localAddress` when given); resolves when it is ready (subscribed), rejects when it fails. */
function openClient(protocol, port, room, localAddress) {
  const proto = PROTOCOLS[protocol];
  return new Promise((resolve, reject) => {
    const client = {
      room,
      isReady: false,
      nextId: 1_000_000,
      ready() {
        if (this.isReady) return;
        this.isReady = true;
        resolve(ws);
      },
      fail(reason) {
        reject(new Error(String(reason).slice(0, 200)));
        ws.terminate();
      },
    };
    const ws = new RawWebSocket(proto.url(port, room), {
      protocol: proto.subprotocol,
      localAddress,
      onOpen: () => proto.open(ws, room, client),
      onMessage: (text) => {
        proto.onMessage(ws, text, client);
        const now = monoMs();
        if (lastReceiveAt !== 0 && now - lastReceiveAt > maxGapMs) maxGapMs = now - lastReceiveAt;
        lastReceiveAt = now;
        forEachStamp(text, onStamp);
      },
      onClose: (code, reason, error) => {
        sockets.delete(ws);
        if (client.isReady) {
          dropped++;
          closeCodes.set(code, (closeCodes.get(code) ?? 0) + 1);
        } else reject(error ?? new Error(`closed before ready (${code}${reason ? ` ${reason}` : ''})`));
      },
    });
    ws.benchClient = client;
    sockets.add(ws);
  });
}

/** Opens `clients` more subscribers (from `localAddress` when given); the earlier ones stay open. */
async function connect({ protocol, ports, clients, channels, slow = false, concurrency = 200, localAddress }) {
  const started = monoMs();
  let next = 0;
  let ready = 0;
  let failed = 0;
  let firstError;
  async function worker() {
    while (next < clients) {
      const index = next++;
      try {
        const ws = await openClient(protocol, ports[index % ports.length], channelName(index % channels), localAddress);
        if (slow) ws.pause();
        ready++;
      } catch (error) {
        failed++;
        firstError ??= String(error?.message ?? error);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, clients) }, worker));
  return { ms: monoMs() - started, ready, failed, firstError };
}

/** Whether a relais client is still reading what it missed (bench/lib/protocols.mjs catchUp). */
function catchingUp() {
  for (const ws of sockets) if (ws.benchClient.resumeId !== undefined) return true;
  return false;
}

/**
 * Reads every socket again, then waits until each was closed, or nothing arrived for `quietMs`
 * (it read everything queued for it and is still open) while none is catching up, or `limitMs`
 * passed. A socket the server closed while paused sees the close only after the data queued
 * before it.
 */
async function resume({ quietMs = 500, limitMs = 5_000 }) {
  const started = monoMs();
  let lastSeen = { at: started, received, open: sockets.size };
  for (const ws of sockets) ws.resume();
  while (sockets.size > 0 && monoMs() - started < limitMs && (monoMs() - lastSeen.at < quietMs || catchingUp())) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (received !== lastSeen.received || sockets.size !== lastSeen.open) lastSeen = { at: monoMs(), received, open: sockets.size };
  }
  return { closeCodes: Object.fromEntries(closeCodes), open: sockets.size, ms: monoMs() - started, received };
}

let publisher;

async function connectPublisher({ protocol, port }) {
  const ws = await openClient(protocol, port, undefined);
  publisher = { ws, protocol: PROTOCOLS[protocol], timer: undefined, sent: 0, startedAt: 0 };
  return {};
}

/**
 * Publishes `rate` msg/s round-robin over `channels`. Each payload is about `payloadBytes` of
 * JSON (default: 32 bytes of padding, about 70).
 */
function publishStart({ rate, channels, payloadBytes }) {
  const padding = payloadBytes === undefined ? PADDING : 'x'.repeat(Math.max(0, payloadBytes - PAYLOAD_OVERHEAD_BYTES));
  const pub = publisher;
  pub.sent = 0;
  pub.startedAt = monoMs();
  let channel = 0;
  const tick = () => {
    const due = Math.floor(((monoMs() - pub.startedAt) * rate) / 1000) - pub.sent;
    for (let i = 0; i < Math.min(due, MAX_BURST); i++) {
      const seq = pub.sent++;
      const data = `{"s":${seq},"t":${monoMs().toFixed(3)},"x":"${padding}"}`;
      pub.ws.send(pub.protocol.publishFrame(channelName(channel), data, seq));
      channel = (channel + 1) % channels;
    }
    // Keeps the backlog visible: skipped sends (burst cap) are not made up later.
    if (due > MAX_BURST) pub.sent += due - MAX_BURST;
    pub.timer = setTimeout(tick, TICK_MS);
  };
  tick();
  return {};
}

function publishStop() {
  clearTimeout(publisher.timer);
  return { sent: publisher.sent, elapsedMs: monoMs() - publisher.startedAt };
}

serve({
  connect,
  resume,
  connectPublisher,
  publishStart,
  publishStop,
  reset: () => {
    latency.reset();
    received = 0;
    maxGapMs = 0;
    lastReceiveAt = 0;
    return {};
  },
  /** This process's own memory: what the clients cost the load generator. */
  memory: () => ({ ...process.memoryUsage(), open: sockets.size }),
  report: () => ({
    received,
    dropped,
    closeCodes: Object.fromEntries(closeCodes),
    open: sockets.size,
    maxGapMs,
    latency: latency.summary(),
  }),
  close: async () => {
    for (const ws of sockets) ws.terminate();
    setImmediate(() => process.exit(0));
    return {};
  },
});
process.send?.({ ready: true });

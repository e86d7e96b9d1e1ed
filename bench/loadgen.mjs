/**
 * @module bench/loadgen
 * A load generator process, driven by the orchestrator over IPC: opens raw WebSocket
 * subscribers (bench/lib/protocols.mjs over bench/lib/raw-ws.mjs, a minimal client on
 * `node:net`), or one publisher that publishes at a fixed rate, and reports deliveries and
 * delivery latency (publisher send time → subscriber receipt).
 */
import { Histogram, monoMs } from './lib/histogram.mjs';
import { serve } from './lib/ipc.mjs';
import { PROTOCOLS, channelName, forEachStamp } from './lib/protocols.mjs';
import { RawWebSocket } from './lib/raw-ws.mjs';

const PADDING = '0123456789abcdef0123456789abcdef';
const TICK_MS = 5;
const MAX_BURST = 2_000;

const sockets = new Set();
const latency = new Histogram();
let received = 0;
let dropped = 0;
let lastReceiveAt = 0;
let maxGapMs = 0;

function onStamp(t) {
  const now = monoMs();
  latency.record((now - t) * 1000);
  received++;
}

/** Opens one client; resolves when it is ready (subscribed), rejects when it fails. */
function openClient(protocol, port, room) {
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
        if (client.isReady) dropped++;
        else reject(error ?? new Error(`closed before ready (${code}${reason ? ` ${reason}` : ''})`));
      },
    });
    sockets.add(ws);
  });
}

async function connect({ protocol, ports, clients, channels, concurrency = 200 }) {
  const started = monoMs();
  let next = 0;
  let ready = 0;
  let failed = 0;
  let firstError;
  async function worker() {
    while (next < clients) {
      const index = next++;
      try {
        await openClient(protocol, ports[index % ports.length], channelName(index % channels));
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

let publisher;

async function connectPublisher({ protocol, port }) {
  const ws = await openClient(protocol, port, undefined);
  publisher = { ws, protocol: PROTOCOLS[protocol], timer: undefined, sent: 0, startedAt: 0 };
  return {};
}

function publishStart({ rate, channels }) {
  const pub = publisher;
  pub.sent = 0;
  pub.startedAt = monoMs();
  let channel = 0;
  const tick = () => {
    const due = Math.floor(((monoMs() - pub.startedAt) * rate) / 1000) - pub.sent;
    for (let i = 0; i < Math.min(due, MAX_BURST); i++) {
      const seq = pub.sent++;
      const data = `{"s":${seq},"t":${monoMs().toFixed(3)},"x":"${PADDING}"}`;
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
  report: () => ({ received, dropped, open: sockets.size, maxGapMs, latency: latency.summary() }),
  close: async () => {
    for (const ws of sockets) ws.terminate();
    setImmediate(() => process.exit(0));
    return {};
  },
});
process.send?.({ ready: true });

/**
 * @module transports/src/techniques
 * The four techniques of the course, each feeding a Meter: plain polling of the ticks route at an
 * interval, and the relais SDK forced onto long-polling, SSE or WebSocket. Every fetch they make
 * is counted (requests, payload and header bytes); the SDK's own payload counters add the rest.
 */
import { Client } from '@relais/client';
import { FALLBACKS } from '@relais/client/fallback';
import { TICKS_CHANNEL, TICKS_POLL_PATH, TICKS_START_RPC, tickOf } from '../shared/protocol.js';
import { Meter, headerBytes } from './meter.js';

export type TechniqueName = 'polling' | 'long_poll' | 'sse' | 'websocket';

export interface Technique {
  name: TechniqueName;
  label: string;
  meter: Meter;
  stop(): void;
}

/** A fetch that counts each call and its answer's headers into `meter`. */
function countingFetch(meter: Meter): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    // Payload bytes are the SDK's own counters; the headers are what fetch adds.
    meter.request(headerBytes(response.headers));
    return response;
  };
}

/** Plain polling: one GET every `intervalMs`, asking for the ticks after the last one seen. */
export function polling(intervalMs: number): Technique {
  const meter = new Meter();
  let after = 0;
  let stopped = false;
  const poll = async (): Promise<void> => {
    try {
      const response = await fetch(`${TICKS_POLL_PATH}?after=${after}`, { cache: 'no-store' });
      const text = await response.text();
      meter.request(text.length + headerBytes(response.headers));
      const ticks = (JSON.parse(text) as { ticks?: unknown[] }).ticks ?? [];
      const receivedAt = Date.now();
      for (const value of ticks) {
        const tick = tickOf(value);
        if (!tick) continue;
        // The first answer is the backlog: it sets the start, it is not delivery latency.
        if (after === 0) after = tick.seq;
        else meter.tick(tick, receivedAt);
        after = Math.max(after, tick.seq);
      }
    } catch {
      // Counted as nothing received; the next poll tries again.
    }
  };
  const timer = setInterval(() => void (stopped || poll()), intervalMs);
  void poll();
  return {
    name: 'polling',
    label: `Polling (every ${intervalMs} ms)`,
    meter,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}

const LABELS: Record<Exclude<TechniqueName, 'polling'>, string> = { long_poll: 'Long-polling', sse: 'SSE', websocket: 'WebSocket' };

/** The relais SDK on one transport only, subscribed to the ticks. */
export function sdk(kind: Exclude<TechniqueName, 'polling'>, url: string, keepTicking: boolean): Technique {
  const meter = new Meter();
  const client = new Client(url, {
    name: `transports-${kind}`,
    transports: [kind === 'websocket' ? kind : FALLBACKS[kind]],
    fetch: countingFetch(meter),
  });
  // The WebSocket (or EventSource) itself is one request.
  if (kind !== 'long_poll') meter.request();
  const sub = client.subscribe(TICKS_CHANNEL);
  sub.on('publication', (pub) => {
    const tick = tickOf(pub.data);
    if (tick) meter.tick(tick);
  });
  let lease: ReturnType<typeof setInterval> | undefined;
  if (keepTicking) {
    const start = () => void client.rpc(TICKS_START_RPC).catch(() => {});
    client.on('connected', start);
    lease = setInterval(start, 10_000);
  }
  let counted = 0;
  const payload = setInterval(() => {
    const { bytesIn, bytesOut } = client.stats();
    meter.bytes += bytesIn + bytesOut - counted;
    counted = bytesIn + bytesOut;
  }, 500);
  client.connect();
  return {
    name: kind,
    label: LABELS[kind],
    meter,
    stop: () => {
      clearInterval(lease);
      clearInterval(payload);
      client.close();
    },
  };
}

/**
 * @module transports/server/ticks
 * Server half of the transports page: while a page asked for them (TICKS_START_RPC, a lease),
 * publishes a numbered, timestamped tick on TICKS_CHANNEL every TICK_INTERVAL_MS, keeps the last
 * ones for plain polling, and answers `GET /transports/api/ticks?after=<seq>` with those after it.
 */
import type { Relais } from '@relais/server';
import {
  TICKS_CHANNEL,
  TICKS_KEPT,
  TICKS_LEASE_MS,
  TICKS_POLL_PATH,
  TICKS_START_RPC,
  TICK_INTERVAL_MS,
  type Tick,
} from '../shared/protocol.js';

export interface TicksOptions {
  /** @default TICK_INTERVAL_MS */
  intervalMs?: number;
}

/** Installs the ticker, its RPC and the polling route on `relais`; returns a disposer. */
export function installTicks(relais: Relais, { intervalMs = TICK_INTERVAL_MS }: TicksOptions = {}): () => void {
  const kept: Tick[] = [];
  let seq = 0;
  let leaseUntil = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = (): void => {
    if (Date.now() > leaseUntil) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    const next: Tick = { seq: ++seq, sentAt: Date.now() };
    kept.push(next);
    if (kept.length > TICKS_KEPT) kept.shift();
    relais.publish(TICKS_CHANNEL, next).catch(() => {
      // The engine is unavailable: this tick is missed by the live transports, as the page shows.
    });
  };
  const disposers = [
    relais.rpc(TICKS_START_RPC, () => {
      leaseUntil = Date.now() + TICKS_LEASE_MS;
      timer ??= setInterval(tick, intervalMs);
      return { intervalMs };
    }),
    relais.route({
      path: TICKS_POLL_PATH,
      request: (req, res) => {
        const after = Number(new URL(req.url ?? '', 'http://x').searchParams.get('after') ?? 0);
        if (req.method !== 'GET' || !Number.isFinite(after)) {
          res.writeHead(req.method !== 'GET' ? 405 : 400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: req.method !== 'GET' ? 'use GET' : 'after must be a number' }));
          return true;
        }
        const body = JSON.stringify({ ticks: kept.filter((t) => t.seq > after) });
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return true;
      },
    }),
  ];
  return () => {
    clearInterval(timer);
    for (const dispose of disposers) dispose();
  };
}

/**
 * @module transports/shared/protocol
 * The transports page's wire contract, for its two halves: the page (src/) and the server half
 * (server/). It imports nothing.
 */

/** Server-only channel carrying a `Tick` every TICK_INTERVAL_MS while a page asked for them. */
export const TICKS_CHANNEL = 'demo:ticks';
/** RPC: keeps the ticks coming for TICKS_LEASE_MS more; answers `{ intervalMs }`. */
export const TICKS_START_RPC = 'transports.start';
/** Plain polling: `GET /transports/api/ticks?after=<seq>` answers `{ ticks: Tick[] }` (the last TICKS_KEPT at most). */
export const TICKS_POLL_PATH = '/transports/api/ticks';
export const TICK_INTERVAL_MS = 250;
export const TICKS_LEASE_MS = 30_000;
export const TICKS_KEPT = 400;

/** One timestamped message: `seq` counts from 1 without gaps, `sentAt` is the server's clock (ms). */
export interface Tick {
  seq: number;
  sentAt: number;
}

/** A tick in a publication or poll answer; undefined when it is not one. */
export function tickOf(value: unknown): Tick | undefined {
  const tick = value as Partial<Tick> | null;
  return typeof tick?.seq === 'number' && typeof tick.sentAt === 'number' ? { seq: tick.seq, sentAt: tick.sentAt } : undefined;
}

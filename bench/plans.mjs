/**
 * @module bench/plans
 * What `npm run bench` can run: the scenarios, the variants of the disruption scenarios, the
 * loads and windows of a full and a --quick run, and the parsing of the flags that pick among
 * them (--scenarios, --variants, --overload/--jitter/--avalanche overrides).
 */

export const SCENARIOS = ['fanout', 'maxrate', 'channels', 'idle', 'capacity', 'rpc', 'overload', 'jitter', 'avalanche'];
/** The variants of the disruption scenarios: servers that can recover a client, and Socket.IO both ways. */
export const DISRUPT_VARIANTS = {
  jitter: ['relais', 'relais-redis', 'socketio', 'socketio-csr'],
  // Two nodes each: a memory node cannot give another node's clients what they missed.
  // relais-redis-drain: the same nodes with drainWindowMs, to measure what spreading the closes does.
  avalanche: ['relais-redis', 'relais-redis-drain', 'socketio', 'socketio-csr'],
};

/**
 * Loads and windows of a full run (about 35 minutes with the Redis variant before jitter and
 * avalanche, which add roughly 30 more: estimated from their quick plans, not timed at full
 * size) and of --quick (about 3 minutes, and 9 for jitter and avalanche).
 * overload.slowShare: the share of subscribers that stop reading once subscribed;
 * overload.payloadBytes: about how large each published payload is (default about 70 bytes).
 */
export const PLANS = {
  full: {
    fanout: {
      loads: [
        [1_000, 50],
        [5_000, 10],
        [10_000, 5],
      ],
      warmupMs: 2_000,
      measureMs: 5_000,
    },
    maxrate: {
      cases: [
        { clients: 1_000, start: 40, high: 1_280, steps: 6 },
        { clients: 5_000, start: 10, high: 320, steps: 5 },
      ],
      warmupMs: 1_000,
      measureMs: 2_000,
    },
    channels: { clients: 10_000, channels: 1_000, rate: 5_000, warmupMs: 2_000, measureMs: 5_000 },
    idle: { clients: 10_000, timedClients: 5_000, channels: 1_000 },
    // As many as the machine allows, up to this (bench/capacity.mjs says what capped a run).
    capacity: { clients: 100_000, channels: 1_000 },
    rpc: { warmup: 300, calls: 3_000 },
    overload: { clients: 1_000, slowShare: 0.1, rate: 1_000, payloadBytes: 512, durationMs: 10_000 },
    // Every client killed about every 15 s (± 20 %), offline 2–3 s; a steady stream of `rate` msg/s.
    jitter: {
      clients: 10_000,
      rate: 10,
      durationMs: 60_000,
      intervalMs: 15_000,
      spread: 0.2,
      minOfflineMs: 2_000,
      offlineSpreadMs: 1_000,
      settleMs: 30_000,
    },
    // Each of 2 nodes restarted in turn, `settleMs` apart; clients not back within `deadlineMs` after the last count as never back.
    avalanche: { clients: 5_000, rate: 10, settleMs: 10_000, deadlineMs: 30_000 },
  },
  quick: {
    fanout: {
      loads: [
        [1_000, 50],
        [5_000, 10],
      ],
      warmupMs: 1_000,
      measureMs: 2_000,
    },
    maxrate: { cases: [{ clients: 1_000, start: 40, high: 1_280, steps: 4 }], warmupMs: 500, measureMs: 1_500 },
    channels: { clients: 2_000, channels: 200, rate: 2_000, warmupMs: 1_000, measureMs: 2_000 },
    idle: { clients: 2_000, timedClients: 2_000, channels: 200 },
    capacity: { clients: 5_000, channels: 200 },
    rpc: { warmup: 100, calls: 500 },
    // As long as a full run's: the slow clients' kernel buffers (about 4 MB each here) fill first.
    overload: { clients: 1_000, slowShare: 0.1, rate: 1_000, payloadBytes: 512, durationMs: 10_000 },
    jitter: {
      clients: 500,
      rate: 10,
      durationMs: 30_000,
      intervalMs: 15_000,
      spread: 0.2,
      minOfflineMs: 2_000,
      offlineSpreadMs: 1_000,
      settleMs: 15_000,
    },
    avalanche: { clients: 500, rate: 10, settleMs: 6_000, deadlineMs: 20_000 },
  },
};

/** The items of a comma-separated flag, each one of `known`; `defaults` without the flag. */
export function list(value, known, what, defaults = known) {
  if (value === undefined) return defaults;
  const picked = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of picked) if (!known.includes(item)) throw new Error(`unknown ${what} "${item}"; known: ${known.join(', ')}`);
  return picked;
}

/** `clients:200,rate:500` → { clients: 200, rate: 500 }, known keys of plan `kind` and finite numbers only. */
export function planOverrides(kind, value) {
  const known = Object.keys(PLANS.full[kind]);
  const out = {};
  for (const pair of value.split(',').filter(Boolean)) {
    const [key, raw] = pair.split(':');
    const number = Number(raw);
    if (!known.includes(key)) throw new Error(`--${kind}: unknown key "${key}"; known: ${known.join(', ')}`);
    if (!Number.isFinite(number) || number < 0) throw new Error(`--${kind}: ${key} must be a non-negative number, got "${raw}"`);
    out[key] = number;
  }
  return out;
}

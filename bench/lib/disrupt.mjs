/**
 * @module bench/lib/disrupt
 * The pure parts of the disruption scenarios (bench/disrupt.mjs), unit-tested beside them:
 * - a seeded random source, so every variant of a run faces the same kill schedule;
 * - when each client's TCP connection is killed, and how long it stays offline;
 * - the reconnect backoff of each client library (the relais SDK's and socket.io-client's
 *   defaults), which the load generator follows as the real clients would;
 * - per-client delivery bookkeeping: which publications arrived, how many twice, and which were
 *   published while the client was offline (their latency is the replay latency);
 * - reading a Socket.IO recovery offset and a relais publication offset out of a frame.
 */

/** A uniform [0, 1) source from a 32-bit seed (mulberry32): the same seed, the same sequence. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The kill schedule of one client: the first kill falls uniformly in [0, intervalMs) after the
 * start (so kills are spread over time, not all at once), each next one `intervalMs` ± `spread`
 * (a share of it) after the client came back. Offline windows are `minOfflineMs` plus up to
 * `offlineSpreadMs`: every variant is held offline the same way, whatever its reconnect logic.
 */
export function killPlan({ intervalMs, spread = 0.2, minOfflineMs, offlineSpreadMs = 0 }, random) {
  if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
  if (!(minOfflineMs >= 0)) throw new RangeError(`minOfflineMs must be >= 0, got ${minOfflineMs}`);
  if (!(spread >= 0 && spread < 1)) throw new RangeError(`spread must be in [0, 1), got ${spread}`);
  return {
    firstKillMs: () => random() * intervalMs,
    nextKillMs: () => intervalMs * (1 - spread + 2 * spread * random()),
    offlineMs: () => minOfflineMs + random() * offlineSpreadMs,
  };
}

/**
 * Reconnect delays (ms) of the client libraries, `attempt` 0 for the first retry:
 * - relais: the SDK's default (packages/client/src/backoff.ts, 500 / 20,000 / 2): uniform in
 *   [500, min(20000, 500 · 2^(attempt+1))];
 * - socketio: socket.io-client's default (reconnectionDelay 1000, reconnectionDelayMax 5000,
 *   randomizationFactor 0.5): 1000 · 2^attempt ± 50 %, capped at 5000.
 */
export const BACKOFF = {
  relais: (attempt, random) => {
    const ceiling = Math.min(20_000, 500 * 2 ** (attempt + 1));
    return Math.round(500 + random() * (ceiling - 500));
  },
  socketio: (attempt, random) => {
    // As socket.io-client's Backoff: one draw sets both the deviation and its sign.
    const base = 1000 * 2 ** Math.min(attempt, 10);
    const draw = random();
    const deviation = Math.floor(draw * 0.5 * base);
    const ms = Math.floor(draw * 10) & 1 ? base + deviation : base - deviation;
    return Math.min(ms, 5000);
  },
};

/**
 * What one client received of the publications numbered 0..capacity-1 (the `s` of each
 * payload). `offlineFrom`/`onlineAt`: the current (or last) offline window in CLOCK_MONOTONIC
 * ms; a publication stamped inside it is a replayed one. `reopenedAt`: when the client began
 * to reconnect, the end of the offline window the benchmark imposed; what follows is the
 * server's (and the protocol's) time to give the client what it missed.
 */
export class DeliveryLog {
  constructor(capacity) {
    this.seen = new Uint8Array(capacity);
    this.unique = 0;
    this.duplicates = 0;
    this.beyond = 0;
    this.offlineFrom = undefined;
    this.onlineAt = undefined;
    this.reopenedAt = undefined;
  }

  /** Records publication `seq` stamped `t`; returns true when it was published while offline. */
  record(seq, t) {
    if (seq < 0 || seq >= this.seen.length || !Number.isInteger(seq)) {
      this.beyond++;
      return false;
    }
    if (this.seen[seq]) this.duplicates++;
    else {
      this.seen[seq] = 1;
      this.unique++;
    }
    return this.offlineFrom !== undefined && t >= this.offlineFrom && (this.onlineAt === undefined || t < this.onlineAt);
  }

  wentOffline(now) {
    this.offlineFrom = now;
    this.onlineAt = undefined;
    this.reopenedAt = undefined;
  }

  /** The client starts to reconnect (the first attempt after going offline counts). */
  reopening(now) {
    if (this.offlineFrom !== undefined && this.onlineAt === undefined && this.reopenedAt === undefined) this.reopenedAt = now;
  }

  /** Where the replay latency of a publication stamped `t` starts: the later of `t` and the reconnect. */
  replayFrom(t) {
    return this.reopenedAt === undefined ? t : Math.max(t, this.reopenedAt);
  }

  cameOnline(now) {
    if (this.offlineFrom !== undefined && this.onlineAt === undefined) this.onlineAt = now;
  }

  /** How many of the publications in `accepted` (an array of seqs) this client never received. */
  missing(accepted) {
    let count = 0;
    for (const seq of accepted) if (seq >= this.seen.length || !this.seen[seq]) count++;
    return count;
  }
}

/**
 * Sums what the clients of a run received of the `accepted` publications (those the server
 * acknowledged): delivered share, missing, duplicated. Every client counts every accepted
 * publication: all are subscribed before the first one.
 */
export function deliveryTotals(logs, accepted) {
  let missing = 0;
  let duplicates = 0;
  let unique = 0;
  for (const log of logs) {
    missing += log.missing(accepted);
    duplicates += log.duplicates;
    unique += log.unique;
  }
  const expected = logs.length * accepted.length;
  return {
    expected,
    delivered: expected - missing,
    missing,
    duplicates,
    received: unique,
    deliveredPct: expected ? ((expected - missing) / expected) * 100 : undefined,
  };
}

/** Every `"s":<seq>,"t":<stamp>` payload in `text` (bench payloads start with these two keys). */
export function forEachPayload(text, fn) {
  let index = text.indexOf('{"s":');
  while (index !== -1) {
    const comma = text.indexOf(',"t":', index + 5);
    if (comma === -1) return;
    fn(Number(text.slice(index + 5, comma)), parseFloat(text.slice(comma + 5, comma + 25)));
    index = text.indexOf('{"s":', comma);
  }
}

/**
 * The Connection State Recovery offset of a Socket.IO event packet: with recovery on, the server
 * appends the packet's id as the last argument (`42["m",{...},"<offset>"]`); undefined otherwise.
 */
export function socketioOffset(packet) {
  if (!packet.startsWith('42[') || !packet.endsWith('"]')) return undefined;
  const start = packet.lastIndexOf(',"');
  if (start === -1) return undefined;
  const offset = packet.slice(start + 2, -2);
  return offset.includes('"') || offset.includes('}') ? undefined : offset;
}

/**
 * The recovery position a relais subscriber keeps after reading `line` (one JSON frame):
 * `{offset, epoch}` from a compact publication (`o`, `ep`), a v1 publication push, or a
 * subscribe reply (the result's `offset` and `epoch`, after its `publications`); else undefined.
 * `epoch` is undefined when the frame does not carry it (the last one told still holds).
 */
export function relaisPosition(line) {
  if (line.startsWith('{"c":')) {
    const o = /"o":(\d+)/.exec(line);
    if (!o) return undefined;
    const ep = /"ep":"([^"]*)"/.exec(line);
    return { offset: Number(o[1]), epoch: ep?.[1] };
  }
  if (!line.includes('"offset"')) return undefined;
  const frame = JSON.parse(line);
  if (frame.type === 'publication' && typeof frame.offset === 'number') return { offset: frame.offset, epoch: frame.epoch };
  if (frame.result && typeof frame.result.offset === 'number' && typeof frame.result.epoch === 'string' && 'recoverable' in frame.result)
    return { offset: frame.result.offset, epoch: frame.result.epoch };
  return undefined;
}

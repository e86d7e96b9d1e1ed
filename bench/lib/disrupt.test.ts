/**
 * The pure parts of the disruption scenarios: the seeded kill schedule, the libraries' backoff,
 * the per-client delivery log (duplicates, missing, replay window) and the frame readers.
 */
import { describe, expect, it } from 'vitest';
import {
  BACKOFF,
  DeliveryLog,
  deliveryTotals,
  forEachPayload,
  killPlan,
  relaisPosition,
  seededRandom,
  socketioOffset,
} from './disrupt.mjs';

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const values = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(values);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(990);
    expect(seededRandom(43)()).not.toBe(values[0]);
  });
});

describe('killPlan', () => {
  it('spreads first kills over one interval, then repeats every interval ± spread, offline min + up to spread', () => {
    const plan = killPlan({ intervalMs: 15_000, spread: 0.2, minOfflineMs: 2_000, offlineSpreadMs: 1_000 }, seededRandom(1));
    const first = Array.from({ length: 2000 }, () => plan.firstKillMs());
    expect(Math.min(...first)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...first)).toBeLessThan(15_000);
    expect(Math.max(...first) - Math.min(...first)).toBeGreaterThan(14_000);
    const next = Array.from({ length: 2000 }, () => plan.nextKillMs());
    expect(Math.min(...next)).toBeGreaterThanOrEqual(12_000);
    expect(Math.max(...next)).toBeLessThanOrEqual(18_000);
    const offline = Array.from({ length: 2000 }, () => plan.offlineMs());
    expect(Math.min(...offline)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...offline)).toBeLessThan(3_000);
  });

  it('refuses a plan it cannot follow', () => {
    const random = seededRandom(1);
    expect(() => killPlan({ intervalMs: 0, minOfflineMs: 2_000 }, random)).toThrow(/intervalMs/);
    expect(() => killPlan({ intervalMs: 1_000, minOfflineMs: -1 }, random)).toThrow(/minOfflineMs/);
    expect(() => killPlan({ intervalMs: 1_000, minOfflineMs: 0, spread: 1 }, random)).toThrow(/spread/);
  });
});

describe('BACKOFF', () => {
  const range = (fn: (attempt: number, random: () => number) => number, attempt: number) => [
    fn(attempt, () => 0),
    fn(attempt, () => 0.999999),
  ];

  it('follows the relais SDK default: uniform in [500, min(20000, 500·2^(attempt+1))]', () => {
    expect(range(BACKOFF.relais, 0)).toEqual([500, 1000]);
    expect(range(BACKOFF.relais, 2)).toEqual([500, 4000]);
    expect(range(BACKOFF.relais, 12)).toEqual([500, 20000]);
  });

  it("follows socket.io-client's default: 1000·2^attempt ± 50 %, capped at 5000", () => {
    const values = Array.from(
      { length: 2000 },
      (
        (random) => () =>
          BACKOFF.socketio(0, random)
      )(seededRandom(3)),
    );
    expect(Math.min(...values)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...values)).toBeLessThanOrEqual(1500);
    expect(Math.min(...values)).toBeLessThan(600);
    expect(Math.max(...values)).toBeGreaterThan(1400);
    expect(BACKOFF.socketio(5, () => 0)).toBe(5000);
  });
});

describe('DeliveryLog', () => {
  it('counts each publication once, duplicates apart, and what is missing of the accepted ones', () => {
    const log = new DeliveryLog(10);
    for (const seq of [0, 1, 2, 2, 5, 1]) log.record(seq, 0);
    log.record(10, 0);
    expect(log.unique).toBe(4);
    expect(log.duplicates).toBe(2);
    expect(log.beyond).toBe(1);
    expect(log.missing([0, 1, 2, 3, 4, 5])).toBe(2);
  });

  it('marks as replayed what was stamped inside the offline window, and measures replay from the reconnect', () => {
    const log = new DeliveryLog(10);
    expect(log.record(0, 100)).toBe(false);
    log.wentOffline(200);
    log.reopening(2_200);
    log.reopening(2_900); // a second attempt does not move the start
    expect(log.record(1, 250)).toBe(true);
    expect(log.replayFrom(250)).toBe(2_200);
    log.cameOnline(2_300);
    expect(log.record(2, 2_250)).toBe(true);
    expect(log.replayFrom(2_250)).toBe(2_250);
    expect(log.record(3, 2_300)).toBe(false);
    expect(log.record(4, 150)).toBe(false);
  });

  it('sums clients into delivered share, missing and duplicates', () => {
    const a = new DeliveryLog(5);
    const b = new DeliveryLog(5);
    for (const seq of [0, 1, 2, 3]) a.record(seq, 0);
    for (const seq of [0, 0, 3]) b.record(seq, 0);
    expect(deliveryTotals([a, b], [0, 1, 2, 3])).toEqual({
      expected: 8,
      delivered: 6,
      missing: 2,
      duplicates: 1,
      received: 6,
      deliveredPct: 75,
    });
    expect(deliveryTotals([], []).deliveredPct).toBeUndefined();
  });
});

describe('frame readers', () => {
  it('finds every bench payload in a frame', () => {
    const seen: [number, number][] = [];
    forEachPayload('{"c":"room:0","o":4,"d":{"s":3,"t":12.5}}\n{"c":"room:0","o":5,"d":{"s":4,"t":13.25}}', (s, t) => seen.push([s, t]));
    forEachPayload('42["m",{"s":9,"t":1.5},"abc"]', (s, t) => seen.push([s, t]));
    expect(seen).toEqual([
      [3, 12.5],
      [4, 13.25],
      [9, 1.5],
    ]);
  });

  it('reads the Socket.IO recovery offset, only where the server appended one', () => {
    expect(socketioOffset('42["m",{"s":1,"t":2},"Ng3kP_a"]')).toBe('Ng3kP_a');
    expect(socketioOffset('42["m",{"s":1,"t":2}]')).toBeUndefined();
    expect(socketioOffset('42["m","text"]')).toBe('text');
    expect(socketioOffset('40{"sid":"x"}')).toBeUndefined();
  });

  it('reads the relais recovery position of compact and v1 publications and of a subscribe reply', () => {
    expect(relaisPosition('{"c":"room:0","o":42,"ep":"e1","d":{"s":1,"t":2}}')).toEqual({ offset: 42, epoch: 'e1' });
    expect(relaisPosition('{"c":"room:0","o":43,"d":{"s":1,"t":2}}')).toEqual({ offset: 43, epoch: undefined });
    expect(relaisPosition('{"c":"room:0","d":{"s":1,"t":2}}')).toBeUndefined();
    expect(relaisPosition('{"type":"publication","channel":"room:0","data":{"s":1,"t":2},"offset":7,"epoch":"e2"}')).toEqual({
      offset: 7,
      epoch: 'e2',
    });
    expect(
      relaisPosition(
        '{"id":2,"result":{"recoverable":true,"offset":9,"epoch":"e3","recovered":true,"publications":[{"data":{"s":1,"t":2},"offset":9}]}}',
      ),
    ).toEqual({ offset: 9, epoch: 'e3' });
    expect(relaisPosition('{"id":7,"result":{"offset":9,"epoch":"e3"}}')).toBeUndefined();
  });
});

/**
 * A short soak in the test suite, so that the harness and the promises it checks do not rot:
 * a few seconds of fuzzing beside well-behaved clients on the memory engine and on Redis. The
 * long runs are `npm run soak -- --seconds N` (see docs/security.md).
 */
import { describe, expect, it } from 'vitest';
import { runSoak } from './lib/soak.mjs';

describe('the soak', () => {
  it.each(['memory', 'redis'] as const)(
    'keeps every promise for a few seconds on the %s engine',
    async (engine) => {
      const report = await runSoak({ seconds: 2, engine });
      expect(report.failures).toEqual([]);
      expect(report.acknowledged).toBeGreaterThan(0);
      expect(report.attacks).toBeGreaterThan(0);
      expect(report.cuts).toBeGreaterThan(0);
    },
    60_000,
  );
});

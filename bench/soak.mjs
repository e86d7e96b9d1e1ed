#!/usr/bin/env node
/**
 * @module bench/soak
 * Runs the soak (bench/lib/soak.mjs) for a bounded time and prints its report; exits 1 when the
 * node broke a promise. Usage:
 *   node bench/soak.mjs [--seconds 60] [--engine memory|redis] [--redis-url redis://127.0.0.1:6379]
 * `npm run soak -- --seconds 120` builds first.
 */
import { runSoak } from './lib/soak.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const seconds = Number(flag('seconds', '60'));
if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
  console.error('soak: --seconds must be a number of seconds from 1 to 3600');
  process.exit(2);
}
const engine = flag('engine', 'memory');
if (engine !== 'memory' && engine !== 'redis') {
  console.error('soak: --engine must be memory or redis');
  process.exit(2);
}
const report = await runSoak({ seconds, engine, redisUrl: flag('redis-url', undefined), log: (line) => console.log(`soak: ${line}`) });
console.log(JSON.stringify(report, null, 2));
process.exit(report.failures.length === 0 ? 0 : 1);

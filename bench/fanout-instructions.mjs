/**
 * @module bench/fanout-instructions
 * A small, fixed fan-out for instruction counting under `valgrind --tool=callgrind`, where
 * wall-clock timings are too noisy: one node, SUBSCRIBERS local sessions (half JSON, half
 * MessagePack) on transports that discard their writes, all subscribed to one channel, then
 * PUBLICATIONS server publishes awaited one by one (each fanned out, flushed and written), after
 * WARMUP more that let the JIT compile and optimize the path first.
 *
 *   node bench/fanout-instructions.mjs [publications=1000] [subscribers=100] [warmup=publications] [--metrics]
 *
 * RELAIS_SERVER=<path to a build's dist/index.js> runs another build of @relais/server (e.g.
 * the one before a change). `--metrics` turns the node's `metrics` option on (GET /metrics,
 * process metrics); counting itself is always on. Run it as
 * `valgrind --tool=callgrind --dump-before=uv_get_free_memory node --predictable --no-opt …`:
 * the second of the dumps counts the measured publications only (see below), and without the
 * optimizing compiler the count is the same from run to run. docs/observability.md has the
 * command, the figures, and why counts with TurboFan on do not settle a few per cent.
 */
import { freemem } from 'node:os';
import { pathToFileURL } from 'node:url';
import { jsonCodec, msgpackCodec } from '@relais/protocol';

const args = process.argv.slice(2);
const numbers = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
const PUBLICATIONS = numbers[0] ?? 1_000;
const SUBSCRIBERS = numbers[1] ?? 100;
const WARMUP = numbers[2] ?? PUBLICATIONS;
const withMetrics = args.includes('--metrics');

const { createRelais } = await import(process.env.RELAIS_SERVER ? pathToFileURL(process.env.RELAIS_SERVER).href : '@relais/server');

let written = 0;
const transport = (codec) => ({
  codec,
  info: { name: 'discard', headers: {} },
  bufferedBytes: 0,
  write() {
    written++;
  },
  close() {},
});

const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
};

// Callgrind stretches time about 50 times: with the default 25 s ping interval the sessions'
// pings could fire inside the measured part (100 more writes) on a slow run. An hour keeps them out.
const relais = createRelais({ maxConnections: 100_000, pingIntervalMs: 3_600_000, ...(withMetrics ? { metrics: true } : {}) });
for (let i = 0; i < SUBSCRIBERS; i++) {
  const codec = i % 2 === 0 ? jsonCodec : msgpackCodec;
  const session = relais.accept(transport(codec));
  session.handleMessage(
    codec.join([
      codec.encode({ id: 1, method: 'connect', params: {} }),
      codec.encode({ id: 2, method: 'subscribe', params: { channel: 'bench:room' } }),
    ]),
  );
}
await settle();
if (relais.stats().subscriptions !== SUBSCRIBERS) throw new Error(`only ${relais.stats().subscriptions} subscribed`);
const publish = async (count) => {
  for (let i = 0; i < count; i++) await relais.publish('bench:room', { n: i, text: 'hello, everyone in the room' });
  await settle();
};
// Warm-up: the fan-out path gets compiled and optimized before anything is measured.
await publish(WARMUP);
// os.freemem() calls uv_get_free_memory, which nothing else here calls: callgrind's
// --dump-before=uv_get_free_memory cuts its counts at these two marks, so the second part
// holds the measured publications only.
freemem();
written = 0;
await publish(PUBLICATIONS);
freemem();
if (written !== PUBLICATIONS * SUBSCRIBERS) throw new Error(`wrote ${written} messages, expected ${PUBLICATIONS * SUBSCRIBERS}`);
await relais.close();
console.log(`${PUBLICATIONS} publications to ${SUBSCRIBERS} subscribers: ${written} writes${withMetrics ? ' (metrics option on)' : ''}`);

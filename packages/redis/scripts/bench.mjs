// Publish throughput through RedisBroker: one node publishes, another node (subscribed)
// receives. Usage (after `npm run build`):
//   node packages/redis/scripts/bench.mjs [--history] [count=50000] [concurrency=200] [url ...]
// --history publishes with history (offset, stream, trimming: the Lua script path).
// Prints publishes/s (accepted by Redis) and deliveries/s (received by the other node).
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { RedisBroker } from '../dist/index.js';

const argv = process.argv.slice(2);
const withHistory = argv.includes('--history');
const [countArg, concurrencyArg, ...urlArgs] = argv.filter((arg) => arg !== '--history');
const count = Number(countArg ?? 50_000);
const concurrency = Number(concurrencyArg ?? 200);
const urls = urlArgs.length > 0 ? urlArgs : ['redis://127.0.0.1:6379'];
const prefix = `relais-bench-${process.pid}`;
const channels = Array.from({ length: 64 }, (_, i) => `bench:${i}`);

let received = 0;
let done;
const allReceived = new Promise((resolve) => (done = resolve));
const publisher = new RedisBroker({ urls, prefix });
const subscriber = new RedisBroker({ urls, prefix });
await publisher.start({ handlePublication() {}, handleJoin() {}, handleLeave() {} });
const options = withHistory ? { history: { size: 1000, ttlMs: 600_000 } } : {};
await subscriber.start({
  handlePublication() {
    if (++received === count) done();
  },
  handleJoin() {},
  handleLeave() {},
});
for (const channel of channels) await subscriber.subscribe(channel);

const data = { text: 'x'.repeat(100) };
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      await publisher.publish({ channel: channels[i % channels.length], data }, options);
    }
  }),
);
const accepted = performance.now();
await allReceived;
const delivered = performance.now();
process.stdout.write(
  `${JSON.stringify({
    shards: urls.length,
    history: withHistory,
    count,
    concurrency,
    publishesPerSecond: Math.round(count / ((accepted - started) / 1000)),
    deliveriesPerSecond: Math.round(count / ((delivered - started) / 1000)),
  })}\n`,
);
await Promise.all([publisher.close(), subscriber.close()]);
// Remove the streams the benchmark created.
if (withHistory) {
  const { Redis } = await import('ioredis');
  for (const url of urls) {
    const redis = new Redis(url);
    for (const channel of channels) await redis.del(`${prefix}:stream:${channel}`, `${prefix}:meta:${channel}`);
    redis.disconnect();
  }
}

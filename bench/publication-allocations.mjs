/**
 * @module bench/publication-allocations
 * Bytes of JavaScript heap relais allocates per publication, without sockets: the many-channels
 * load of docs/benchmarks.md in one process (SUBSCRIBERS sessions on transports that discard
 * their writes, spread over CHANNELS channels, protocol v2 JSON like the load generator's), and
 * one publisher session sending `publish` commands, one per inbound message, round-robin over
 * the channels. What it allocates decides how often the young generation is collected (a
 * scavenge pause every few MB), the pauses behind a latency tail.
 *
 *   node --expose-gc --max-semi-space-size=256 bench/publication-allocations.mjs [publications=5000] [--profile]
 *   node --expose-gc bench/publication-allocations.mjs 25000 --gc-count
 *
 * With a young generation that large nothing is collected during the measured publications,
 * so the growth of the heap is what they allocated: the figure does not depend on the
 * machine's load. `--profile` prints the allocation sites that sampled the most bytes
 * (V8's sampling heap profiler, collected objects included). RELAIS_SERVER=<dist/index.js>
 * runs another build (e.g. the one before a change). `--gc-count` (run it with the default
 * young generation) counts the collections the measured publications caused, by kind: 25,000
 * publications are one 5 s window of the benchmark; counts, unlike pause lengths, do not
 * depend on the machine's load.
 */
import { Session } from 'node:inspector/promises';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { pathToFileURL } from 'node:url';
import { jsonV2Codec } from '@relais/protocol';

const args = process.argv.slice(2);
const PUBLICATIONS = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 5_000);
const profile = args.includes('--profile');
const gcCount = args.includes('--gc-count');
const SUBSCRIBERS = 10_000;
const CHANNELS = 1_000;

const { createRelais } = await import(process.env.RELAIS_SERVER ? pathToFileURL(process.env.RELAIS_SERVER).href : '@relais/server');

let written = 0;
/** A subscriber's transport counts its writes; the publisher's (`counted` false) does not. */
const transport = (counted = true) => ({
  codec: jsonV2Codec,
  info: { name: 'discard', headers: {} },
  bufferedBytes: 0,
  write() {
    if (counted) written++;
  },
  close() {},
});

const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
};

// The options of bench/servers/relais.mjs: the publisher's commands are not rate limited.
const relais = createRelais({
  maxConnections: 100_000,
  maxChannelsPerConnection: 16,
  limits: { perConnection: { commands: { perSecond: 1_000_000, burst: 1_000_000 } } },
});
for (let i = 0; i < SUBSCRIBERS; i++) {
  relais
    .accept(transport())
    .handleMessage(`{"id":1,"method":"connect","params":{}}\n{"id":2,"method":"subscribe","params":{"channel":"room:${i % CHANNELS}"}}`);
}
const publisher = relais.accept(transport(false));
publisher.handleMessage('{"id":1,"method":"connect","params":{}}');
await settle();
if (relais.stats().subscriptions !== SUBSCRIBERS) throw new Error(`only ${relais.stats().subscriptions} subscribed`);

let seq = 0;
/** `count` publishes in bursts of 25 (the load generator's 5 ms tick at 5,000 msg/s). */
async function publish(count) {
  for (let done = 0; done < count; done += 25) {
    for (let i = 0; i < 25; i++, seq++) {
      const data = `{"s":${seq},"t":${(seq * 0.2).toFixed(3)},"x":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`;
      publisher.handleMessage(`{"id":${seq + 10},"method":"publish","params":{"channel":"room:${seq % CHANNELS}","data":${data}}}`);
    }
    await settle();
  }
}

await publish(PUBLICATIONS); // warm-up: compiled, optimized, every channel's state created
globalThis.gc?.();
let inspector;
if (profile) {
  inspector = new Session();
  inspector.connect();
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
}
const collections = { minor: 0, major: 0, other: 0 };
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = entry.detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) collections.minor++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) collections.major++;
    else collections.other++;
  }
});
if (gcCount) observer.observe({ entryTypes: ['gc'] });
written = 0;
const before = getHeapStatistics();
await publish(PUBLICATIONS);
const after = getHeapStatistics();
if (gcCount) {
  // The observer is called asynchronously: let it see the last entries first.
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
}
const expected = PUBLICATIONS * (SUBSCRIBERS / CHANNELS);
if (written !== expected) throw new Error(`wrote ${written} messages, expected ${expected}`);
const bytes = after.used_heap_size - before.used_heap_size;
if (gcCount) {
  console.log(
    `${PUBLICATIONS} publications to ${SUBSCRIBERS / CHANNELS} subscribers each: ${collections.minor} scavenges, ${collections.major} mark-compacts, ${collections.other} other collections`,
  );
} else
  console.log(
    `${PUBLICATIONS} publications to ${SUBSCRIBERS / CHANNELS} subscribers each: ${(bytes / PUBLICATIONS).toFixed(0)} heap bytes per publication` +
      ` (${(bytes / PUBLICATIONS / (SUBSCRIBERS / CHANNELS)).toFixed(0)} per delivery)` +
      (after.used_heap_size < before.used_heap_size ? ' — a collection ran: raise --max-semi-space-size' : ''),
  );
if (inspector) {
  const { profile: sampled } = await inspector.post('HeapProfiler.stopSampling');
  const bySite = new Map();
  const walk = (node, stack) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}`;
    if (node.selfSize > 0) bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, stack);
  };
  walk(sampled.head, []);
  const total = [...bySite.values()].reduce((sum, size) => sum + size, 0);
  for (const [site, size] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${((size / total) * 100).toFixed(1).padStart(5)}%  ${(size / PUBLICATIONS).toFixed(0).padStart(5)} B/pub  ${site}`);
  }
}
await relais.close();

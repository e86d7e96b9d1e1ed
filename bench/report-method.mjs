/**
 * @module bench/report-method
 * The closing sections of docs/benchmarks.md: how it is measured, machine and versions, how to
 * reproduce, and the `relais bench` tool (the same on every run).
 */

/** The `relais bench` section: the same on every run (the tool, not its numbers). */
const RELAIS_BENCH_SECTION = [
  '## relais bench',
  '',
  '`npm run bench` above is the side-by-side comparison (relais, Socket.IO and `ws` in one run, on',
  "pinned cores, with the servers' CPU counted). `relais bench` is the load tool to point at any",
  'relais node, yours included: it opens subscriber connections with `@relais/client` over the',
  'transport and encoding you pick, publishes at a fixed rate for a bounded time from extra',
  'connections, and prints what arrived and how late.',
  '',
  '```sh',
  'relais bench ws://127.0.0.1:8080/connection/websocket --connections 1000 --subscribers 100 --rate 200 --duration 30s',
  'relais bench wss://rt.example.com/connection/websocket --encoding msgpack --token "$JWT" --json',
  'relais bench ws://127.0.0.1:8080 --transport long_poll --connections 50 --rate 50   # HTTP fallbacks: http_stream, sse, long_poll',
  'relais bench --help',
  '```',
  '',
  '- **Load**: `--connections` subscribers, `--subscribers` of them per channel (channels',
  '  `<--channel-prefix><run id>-<n>`, default prefix `bench:`: the node must let clients subscribe and',
  '  publish there), `--rate` publications/s over all channels round-robin, each with',
  '  `--payload-bytes` of padding, for `--duration` (at most 1 h), from `--publishers` connections',
  '  (default one per 500/s: a node allows 1,000 commands/s per connection). Then it waits up to',
  '  `--drain` for deliveries in flight and closes everything.',
  '- **Counts**: publications sent, accepted (acked by the node), failed; deliveries expected (one',
  '  per subscriber of each accepted publication), delivered (each distinct publication to each',
  '  subscriber once), missing and duplicated (found exactly, not estimated). A lost connection is',
  '  an error, not a reconnect.',
  '- **Latency**: each publication carries the time it was sent, stamped by the load generator;',
  '  the subscriber that receives it subtracts that from its own reading of the same clock.',
  '  p50/p95/p99/max are nearest-rank percentiles over every raw sample of the run, never averages',
  '  of percentiles.',
  '- **Output**: a progress line on stderr every second; the result as text, or one JSON object',
  '  with `--json`. Exit code 0 when every subscriber connected, nothing failed and every accepted',
  '  publication reached every subscriber once; 1 otherwise; 2 for a bad command line (the message',
  '  names the flag).',
  '- The generator is one Node process: the publishers run in its main thread, the subscribers',
  '  there too or, with `--workers N`, spread over N worker threads (their counts and raw samples',
  '  are merged at the end; every thread reads the same clock, `performance.timeOrigin +',
  '  performance.now()`). At high rates the generator is the bottleneck before the node is: watch',
  '  its CPU, give it more threads on a machine with the cores for them, or run it on another',
  "  machine. Its numbers include the client SDK's own work per message, unlike the raw-socket load",
  '  generator of `npm run bench`. An example run is in',
  '  [packages/relais/README.md](../packages/relais/README.md#relais-bench).',
];

/** The lines of the closing sections for `run`. */
export function methodSections(run) {
  const m = run.machine;
  const out = [];
  out.push('## How it is measured');
  out.push('');
  out.push(
    '- **Servers** (bench/servers/): relais with the memory engine, built from this repository; Socket.IO 4 with its defaults and `io.to(room).emit`; `ws` sending per subscriber (`ws.send`); `ws` encoding and framing each message once (`Sender.frame`) and writing the same buffer to every socket. Each runs alone in its own process, pinned with `taskset` to core 0.',
  );
  out.push(
    "- **Load generator** (bench/loadgen.mjs): minimal raw WebSocket clients written on `node:net` (bench/lib/raw-ws.mjs: one fixed handshake key, zero-masked frames out, no extensions, no UTF-8 validation), cheaper per connection and per message than the `ws` client, in separate processes pinned to core 1 with the orchestrator: one process of subscribers, one publisher. Socket.IO is spoken as raw Engine.IO v4 / Socket.IO v5 packets rather than through socket.io-client, so that the load generator costs the same per delivery for every server. Publishers are clients: relais gets `publish` commands (routing, the broker, the publisher's ack), Socket.IO a `pub` event, ws a JSON message naming the room.",
  );
  out.push(
    "- **Server CPU per delivery**: user + system CPU time of the server process (`process.cpuUsage`, all threads) over the measured window, divided by the deliveries the subscribers received in it. On loopback the receiver's TCP work partly lands on the sender's core, as it does for every server here.",
  );
  out.push(
    '- **Latency**: the publisher stamps each message with CLOCK_MONOTONIC; subscribers record receipt − stamp (50 µs buckets below 100 ms).',
  );
  out.push(
    '- **Correctness** of the same streams through the real client libraries is a test, not part of this run: bench/streams.test.ts (in `npm test`).',
  );
  out.push(
    "- **bufferutil / utf-8-validate** (optional native addons of ws) are not installed: bufferutil only speeds up masking, and a server's outgoing frames are unmasked (only the small inbound publisher frames are masked); ws 8.21 validates UTF-8 with Node's built-in `buffer.isUtf8` when utf-8-validate is absent.",
  );
  if (run.variants['relais-redis']) {
    out.push(
      `- **relais (Redis, 2 nodes)**: two relais processes with the Redis engine (\`RedisBroker\`, one shard, a key prefix of this run's own), both on the server core (its server CPU and RSS are the sums of both); subscribers alternate between them and the publisher talks to the first, so every publication crosses Redis. Redis ${run.redis?.version ?? ''} runs outside the harness, on the same machine, unpinned (it shares the 2 cores with everything else): its CPU time is **not** in "server CPU"; "Redis CPU" columns give it separately (\`INFO cpu\`, the whole redis-server process, so anything else using that Redis during the window counts too). Its ratios to the others are not computed: compare its rows with relais (memory).`,
    );
  } else {
    out.push(
      '- **Not in this run**: relais with the Redis engine on 2 nodes (variant `relais-redis`, run when Redis answers at RELAIS_BENCH_REDIS_URL, default redis://127.0.0.1:6379).',
    );
  }
  out.push('');
  out.push('## Machine and versions');
  out.push('');
  out.push(`- ${m.nproc} cores (\`nproc --all\`), CPU: ${m.cpu} (/proc/cpuinfo), Linux ${m.kernel}, Node ${m.node}`);
  out.push(
    `- ${Object.entries(m.versions)
      .map(([name, v]) => `${name} ${v}`)
      .join(', ')}${run.redis ? `, Redis ${run.redis.version}` : ''}`,
  );
  out.push('');
  out.push('## Reproduce');
  out.push('');
  out.push('```sh');
  out.push('npm run bench -- --write-docs          # full run, about 35 minutes with Redis reachable, rewrites this page');
  out.push('npm run bench -- --quick               # about 3 minutes');
  out.push("node bench/session-cost.mjs             # relais's own JavaScript per connection and per delivery, without sockets");
  out.push('npm run bench -- --scenarios=jitter,avalanche --quick   # the disruption scenarios (bench/disrupt.mjs), about 9 minutes');
  out.push('npm run bench -- --scenarios=capacity     # idle capacity alone: as many connections as the machine allows, up to 100,000');
  out.push(
    'valgrind --tool=callgrind --dump-before=uv_get_free_memory node --predictable --no-opt bench/connect-instructions.mjs relais 200 200',
  );
  out.push('npm run bench -- --scenarios=fanout --variants=relais,ws-frame --reps=5');
  out.push('npm run bench -- --scenarios=fanout --variants=relais --cpu-prof   # profiles in bench/results/profiles');
  out.push('node bench/profile-summary.mjs bench/results/profiles/<file>.cpuprofile   # top functions by self time');
  out.push('npm run bench -- --docs-from=<run.json>[,<run.json>]   # re-render this page from saved runs');
  out.push('```');
  out.push('');
  out.push('Raw results of every run go to bench/results/ (not committed); the runs behind this page are in docs/benchmarks-data/.');
  out.push('');
  out.push(...RELAIS_BENCH_SECTION);
  out.push('');
  return out;
}

/**
 * @module bench/connect-instructions
 * The connect path in instructions, for `valgrind --tool=callgrind`, where the wall-clock
 * connections/s of a shared machine are too noisy to prove a change: one server variant of
 * bench/servers/ runs in this process (the one valgrind counts), and a load generator child
 * (bench/loadgen.mjs, not traced: valgrind follows no child without --trace-children) opens
 * real WebSocket clients over loopback, one at a time so that every connection is handled
 * alone and the count repeats: WARMUP clients first (the JIT compiles the path), then
 * CONNECTIONS measured ones, each upgraded, and for relais `connect` + `subscribe` answered.
 *
 *   node bench/connect-instructions.mjs [variant=relais] [connections=300] [warmup=300]
 *
 * Run it as `valgrind --tool=callgrind --dump-before=uv_get_free_memory node --predictable
 * --no-opt bench/connect-instructions.mjs …`: `os.freemem()` marks the start and the end of the
 * measured connections, so the second dump counts them only (user space: the kernel's share of
 * a connection is the same for every server). RELAIS_SERVER=<a build's dist/index.js> runs
 * another build of @relais/server (e.g. the one before a change). docs/benchmarks.md has the
 * command and the figures.
 */
import { fork } from 'node:child_process';
import { freemem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { call } from './lib/ipc.mjs';
import { VARIANTS } from './servers/index.mjs';

const args = process.argv.slice(2);
const name = args.find((arg) => !/^\d+$/.test(arg)) ?? 'relais';
const numbers = args.filter((arg) => /^\d+$/.test(arg)).map(Number);
const CONNECTIONS = numbers[0] ?? 300;
const WARMUP = numbers[1] ?? CONNECTIONS;
const variant = VARIANTS[name];
if (!variant || variant.nodes !== 1) throw new Error(`unknown or multi-node variant "${name}"; one of ${Object.keys(VARIANTS).join(', ')}`);

// No heartbeat within the run: a ping fires by wall-clock time, which callgrind stretches.
const server = await variant.start({ port: 0, pingIntervalMs: 3_600_000 });
const load = fork(fileURLToPath(new URL('./loadgen.mjs', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
await new Promise((resolve) => load.once('message', resolve));

/** `clients` more subscribers, one in flight at a time, in channels room:0 … room:99. */
async function connect(clients) {
  const result = await call(
    load,
    'connect',
    { protocol: variant.protocol, ports: [server.port], clients, channels: 100, concurrency: 1 },
    600_000,
  );
  if (result.failed > 0) throw new Error(`${result.failed} of ${clients} clients failed: ${result.firstError}`);
}

await connect(WARMUP);
// os.freemem() calls uv_get_free_memory, which nothing else here calls: callgrind's
// --dump-before=uv_get_free_memory cuts its counts at these two marks.
freemem();
await connect(CONNECTIONS);
freemem();
await call(load, 'close', {}, 60_000).catch(() => {});
await server.close();
console.log(`${name}: ${CONNECTIONS} connections measured after ${WARMUP} (see the second callgrind dump)`);
process.exit(0);

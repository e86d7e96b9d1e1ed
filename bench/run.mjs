/**
 * @module bench/run
 * The benchmark entry point (`npm run bench -- [flags]`). Runs every selected scenario for every
 * selected variant, interleaving the variants inside each repetition, writes the raw results to
 * bench/results/, prints a summary and, with --write-docs, regenerates docs/benchmarks.md.
 *
 *   --quick              small loads and short windows (about 3 minutes)
 *   --scenarios=a,b      fanout, maxrate, channels, idle, capacity, rpc, overload, jitter,
 *                        avalanche (default: all; capacity: as many idle connections as the
 *                        machine allows, up to the plan's count, see bench/capacity.mjs)
 *   --variants=a,b       relais, relais-redis, socketio, ws-naive, ws-frame (default: all;
 *                        relais-redis only when its Redis answers, see bench/lib/redis.mjs),
 *                        and relais-metrics (relais with `metrics: true`; only when named),
 *                        relais-build (another build, RELAIS_BUILD=<its server dist/index.js>;
 *                        only when named: before/after a change, interleaved).
 *                        jitter and avalanche run their own list (bench/disrupt.mjs:
 *                        relais, relais-redis, socketio, socketio-csr; avalanche without
 *                        relais (memory)), narrowed by --variants when given
 *   --reps=N             repetitions (default 3)
 *   --write-docs         write docs/benchmarks.md from this run
 *   --cpu-prof           run relais servers under --cpu-prof (profiles in bench/results/profiles)
 *   --verbose            print every max-rate probe
 *   --overload=k:v,...   override the overload plan's numbers (clients, slowShare, rate,
 *                        payloadBytes, durationMs), e.g. --overload=clients:200,rate:500
 *   --jitter=k:v,...     the same for the jitter plan (clients, rate, durationMs, intervalMs, …)
 *   --avalanche=k:v,...  and the avalanche plan (clients, rate, settleMs, deadlineMs)
 *   --docs-from=A[,B]    only rewrite docs/benchmarks.md from saved runs (bench/results/*.json);
 *                        a scenario in a later run replaces the same scenario of an earlier one
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { attempt, isFailure } from './lib/failures.mjs';
import { newRedisPrefix, redisStatus, redisUrl } from './lib/redis.mjs';
import { killAll, pin, LOAD_CORE } from './lib/procs.mjs';
import { machine, renderMarkdown, summarize } from './report.mjs';
import { runCapacity } from './capacity.mjs';
import { runOverload } from './overload.mjs';
import { DISRUPT_SERVER_OPTIONS, runAvalanche, runJitter } from './disrupt.mjs';
import { runFanout, runIdle, runMaxRate, runRpc, withVariant } from './scenarios.mjs';
import { VARIANTS } from './servers/index.mjs';
import { DISRUPT_VARIANTS, PLANS, SCENARIOS, list, planOverrides } from './plans.mjs';
import { codeVersion, mergeRuns, writeDocs } from './run-record.mjs';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenarios: { type: 'string' },
    variants: { type: 'string' },
    reps: { type: 'string' },
    'write-docs': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    overload: { type: 'string' },
    jitter: { type: 'string' },
    avalanche: { type: 'string' },
    'docs-from': { type: 'string' },
  },
});

const mode = flags.quick ? 'quick' : 'full';
const plan = PLANS[mode];
for (const kind of ['overload', 'jitter', 'avalanche'])
  if (flags[kind] !== undefined) plan[kind] = { ...plan[kind], ...planOverrides(kind, flags[kind]) };

const scenarios = list(flags.scenarios, SCENARIOS, 'scenario');
// Opt-in variants (relais-metrics) run only when --variants names them.
let variants = list(
  flags.variants,
  Object.keys(VARIANTS),
  'variant',
  Object.keys(VARIANTS).filter((name) => !VARIANTS[name].optIn),
);
const reps = flags.reps === undefined ? (flags.quick ? 1 : 3) : Number(flags.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a positive integer');
const root = fileURLToPath(new URL('..', import.meta.url));
const docsPath = `${root}docs/benchmarks.md`;
const resultsDir = `${root}bench/results`;
const profDir = `${resultsDir}/profiles`;
mkdirSync(profDir, { recursive: true });
const options = { cpuProf: flags['cpu-prof'], profDir, verbose: flags.verbose };

// The orchestrator shares the load generator's core: the server core stays the servers' own.
pin(process.pid, LOAD_CORE);

/** Runs `measure(ctx)` in a fresh session of each variant, `reps` times, rotating the order. */
function sessions(label, measure, only) {
  return interleaved(label, (variant) => withVariant(variant, options, measure), only);
}

/**
 * Runs `measure(variant)` for each variant, `reps` times, rotating the order each time. A
 * repetition that fails (a process stopped answering, died, or refused clients) is recorded
 * as a failure (bench/lib/failures.mjs) and the run goes on.
 */
async function interleaved(label, measure, only = variants) {
  const runs = Object.fromEntries(only.map((variant) => [variant, []]));
  for (let rep = 0; rep < reps; rep++) {
    const order = only.map((_, i) => only[(i + rep) % only.length]);
    for (const variant of order) {
      const started = Date.now();
      const result = await attempt(() => measure(variant));
      runs[variant].push(result);
      const line = `[${label}] rep ${rep + 1}/${reps} ${variant}: ${compact(result)} (${((Date.now() - started) / 1000).toFixed(1)} s)`;
      if (isFailure(result)) console.error(`${line}: FAILED, recorded and skipped`);
      else console.log(line);
    }
  }
  return runs;
}

function compact(result) {
  return Object.entries(result)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? Number(value.toPrecision(4)) : value}`)
    .join(' ');
}

async function main() {
  if (flags['docs-from']) {
    const runs = flags['docs-from'].split(',').map((file) => JSON.parse(readFileSync(file, 'utf8')));
    writeDocs(docsPath, renderMarkdown(mergeRuns(runs)));
    console.log(`wrote docs/benchmarks.md from ${flags['docs-from']}`);
    return;
  }
  const startedAt = new Date();
  const redis = await checkRedis(startedAt);
  const results = {};
  if (scenarios.includes('fanout')) {
    const p = plan.fanout;
    for (const [clients, rate] of p.loads) {
      results[`fanout ${clients}x${rate}`] = await sessions(`fanout ${clients}x${rate}`, (ctx) =>
        runFanout(ctx, { clients, rate, warmupMs: p.warmupMs, measureMs: p.measureMs }),
      );
    }
  }
  if (scenarios.includes('maxrate')) {
    const p = plan.maxrate;
    for (const c of p.cases) {
      results[`maxrate ${c.clients}`] = await interleaved(`maxrate ${c.clients}`, (variant) =>
        runMaxRate(variant, options, { ...c, warmupMs: p.warmupMs, measureMs: p.measureMs }),
      );
    }
  }
  if (scenarios.includes('channels')) {
    const p = plan.channels;
    results[`channels ${p.clients}/${p.channels}`] = await sessions('channels', (ctx) => runFanout(ctx, p));
  }
  if (scenarios.includes('idle')) {
    results[`idle ${plan.idle.clients}`] = await sessions('idle', (ctx) => runIdle(ctx, plan.idle));
  }
  if (scenarios.includes('capacity')) {
    // Memory per connection of one process: relais with Redis is measured by the idle scenario,
    // and both ws variants hold an idle connection the same way (the pre-built-frame one stays).
    const capacityVariants = variants.filter(
      (variant) => !VARIANTS[variant].redis && (variant !== 'ws-naive' || !variants.includes('ws-frame')),
    );
    const p = plan.capacity;
    results[`capacity ${p.clients}`] = await sessions(
      'capacity',
      (ctx) =>
        runCapacity(ctx, p, (fit) => {
          p.fit ??= fit;
        }),
      capacityVariants,
    );
  }
  if (scenarios.includes('rpc')) {
    // Both ws variants run the same RPC code: measure it once.
    const rpcVariants = variants.filter((variant) => variant !== 'ws-frame' || !variants.includes('ws-naive'));
    results.rpc = await sessions('rpc', (ctx) => runRpc(ctx, plan.rpc), rpcVariants);
  }
  if (scenarios.includes('overload')) {
    const p = plan.overload;
    results[`overload ${p.clients}x${p.rate}`] = await sessions('overload', (ctx) => runOverload(ctx, p));
  }

  for (const kind of ['jitter', 'avalanche']) {
    if (!scenarios.includes(kind)) continue;
    const p = plan[kind];
    const measure = kind === 'jitter' ? runJitter : runAvalanche;
    const disruptOptions = { ...options, serverOptions: DISRUPT_SERVER_OPTIONS, ...(kind === 'avalanche' ? { nodes: 2 } : {}) };
    results[`${kind} ${p.clients}`] = await interleaved(
      kind,
      (variant) => withVariant(variant, disruptOptions, (ctx) => measure(ctx, p)),
      disruptVariants(kind),
    );
  }

  const run = {
    command: `npm run bench --${process.argv
      .slice(2)
      .map((arg) => ` ${arg}`)
      .join('')}`,
    mode,
    reps,
    plan,
    variants: Object.fromEntries(
      [...new Set([...variants, ...['jitter', 'avalanche'].filter((kind) => scenarios.includes(kind)).flatMap(disruptVariants)])].map(
        (variant) => [variant, VARIANTS[variant].label],
      ),
    ),
    startedAt: startedAt.toISOString(),
    minutes: (Date.now() - startedAt.getTime()) / 60_000,
    code: codeVersion(root),
    machine: machine(),
    ...(redis ? { redis } : {}),
    results,
  };
  const file = `${resultsDir}/${startedAt.toISOString().replace(/[:.]/g, '-')}-${mode}.json`;
  writeFileSync(file, JSON.stringify(run, null, 2));
  console.log(`\nraw results: ${file} (${run.minutes.toFixed(1)} min)`);
  for (const [scenario, runs] of Object.entries(results)) console.log(scenario, JSON.stringify(summarize(runs)));
  if (flags['write-docs']) {
    writeDocs(docsPath, renderMarkdown(run));
    console.log('wrote docs/benchmarks.md');
  }
}

/**
 * When a selected variant needs Redis: checks that it answers, and gives the run its own key
 * prefix (inherited by every server process). Unreachable, the variant is dropped from the
 * default list with a message, or the run stops when --variants named it.
 */
async function checkRedis(startedAt) {
  const needing = variants.filter((variant) => VARIANTS[variant].redis);
  if (needing.length === 0) return undefined;
  const url = redisUrl();
  try {
    const { version } = await redisStatus(url);
    process.env.RELAIS_BENCH_REDIS_PREFIX = newRedisPrefix(startedAt);
    console.log(`${needing.join(', ')}: Redis ${version} at ${url}, key prefix ${process.env.RELAIS_BENCH_REDIS_PREFIX}`);
    return { url, version, prefix: process.env.RELAIS_BENCH_REDIS_PREFIX };
  } catch (error) {
    const why = `Redis at ${url} does not answer (${error.message}); start it, or point RELAIS_BENCH_REDIS_URL at one`;
    if (flags.variants !== undefined) throw new Error(`--variants names ${needing.join(', ')}, but ${why}`);
    console.log(`skipping ${needing.join(', ')}: ${why}`);
    variants = variants.filter((variant) => !VARIANTS[variant].redis);
    return undefined;
  }
}

/** The variants a disruption scenario runs: its own list, narrowed by --variants when given. */
function disruptVariants(kind) {
  const own = DISRUPT_VARIANTS[kind];
  if (flags.variants !== undefined) return variants.filter((variant) => own.includes(variant));
  // Redis variants only when Redis answered (checkRedis keeps relais-redis in the list then).
  const redisAnswered = variants.some((variant) => VARIANTS[variant].redis);
  return own.filter((variant) => !VARIANTS[variant].redis || redisAnswered);
}

main().catch((error) => {
  console.error(error);
  killAll();
  process.exit(1);
});

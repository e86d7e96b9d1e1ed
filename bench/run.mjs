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
import { execFileSync } from 'node:child_process';
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

const SCENARIOS = ['fanout', 'maxrate', 'channels', 'idle', 'capacity', 'rpc', 'overload', 'jitter', 'avalanche'];
/** The variants of the disruption scenarios: servers that can recover a client, and Socket.IO both ways. */
const DISRUPT_VARIANTS = {
  jitter: ['relais', 'relais-redis', 'socketio', 'socketio-csr'],
  // Two nodes each: a memory node cannot give another node's clients what they missed.
  // relais-redis-drain: the same nodes with drainWindowMs, to measure what spreading the closes does.
  avalanche: ['relais-redis', 'relais-redis-drain', 'socketio', 'socketio-csr'],
};

/**
 * Loads and windows of a full run (about 35 minutes with the Redis variant before jitter and
 * avalanche, which add roughly 30 more: estimated from their quick plans, not timed at full
 * size) and of --quick (about 3 minutes, and 9 for jitter and avalanche).
 * overload.slowShare: the share of subscribers that stop reading once subscribed;
 * overload.payloadBytes: about how large each published payload is (default about 70 bytes).
 */
const PLANS = {
  full: {
    fanout: {
      loads: [
        [1_000, 50],
        [5_000, 10],
        [10_000, 5],
      ],
      warmupMs: 2_000,
      measureMs: 5_000,
    },
    maxrate: {
      cases: [
        { clients: 1_000, start: 40, high: 1_280, steps: 6 },
        { clients: 5_000, start: 10, high: 320, steps: 5 },
      ],
      warmupMs: 1_000,
      measureMs: 2_000,
    },
    channels: { clients: 10_000, channels: 1_000, rate: 5_000, warmupMs: 2_000, measureMs: 5_000 },
    idle: { clients: 10_000, timedClients: 5_000, channels: 1_000 },
    // As many as the machine allows, up to this (bench/capacity.mjs says what capped a run).
    capacity: { clients: 100_000, channels: 1_000 },
    rpc: { warmup: 300, calls: 3_000 },
    overload: { clients: 1_000, slowShare: 0.1, rate: 1_000, payloadBytes: 512, durationMs: 10_000 },
    // Every client killed about every 15 s (± 20 %), offline 2–3 s; a steady stream of `rate` msg/s.
    jitter: {
      clients: 10_000,
      rate: 10,
      durationMs: 60_000,
      intervalMs: 15_000,
      spread: 0.2,
      minOfflineMs: 2_000,
      offlineSpreadMs: 1_000,
      settleMs: 30_000,
    },
    // Each of 2 nodes restarted in turn, `settleMs` apart; clients not back within `deadlineMs` after the last count as never back.
    avalanche: { clients: 5_000, rate: 10, settleMs: 10_000, deadlineMs: 30_000 },
  },
  quick: {
    fanout: {
      loads: [
        [1_000, 50],
        [5_000, 10],
      ],
      warmupMs: 1_000,
      measureMs: 2_000,
    },
    maxrate: { cases: [{ clients: 1_000, start: 40, high: 1_280, steps: 4 }], warmupMs: 500, measureMs: 1_500 },
    channels: { clients: 2_000, channels: 200, rate: 2_000, warmupMs: 1_000, measureMs: 2_000 },
    idle: { clients: 2_000, timedClients: 2_000, channels: 200 },
    capacity: { clients: 5_000, channels: 200 },
    rpc: { warmup: 100, calls: 500 },
    // As long as a full run's: the slow clients' kernel buffers (about 4 MB each here) fill first.
    overload: { clients: 1_000, slowShare: 0.1, rate: 1_000, payloadBytes: 512, durationMs: 10_000 },
    jitter: {
      clients: 500,
      rate: 10,
      durationMs: 30_000,
      intervalMs: 15_000,
      spread: 0.2,
      minOfflineMs: 2_000,
      offlineSpreadMs: 1_000,
      settleMs: 15_000,
    },
    avalanche: { clients: 500, rate: 10, settleMs: 6_000, deadlineMs: 20_000 },
  },
};

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

function list(value, known, what, defaults = known) {
  if (value === undefined) return defaults;
  const picked = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of picked) if (!known.includes(item)) throw new Error(`unknown ${what} "${item}"; known: ${known.join(', ')}`);
  return picked;
}

const mode = flags.quick ? 'quick' : 'full';
const plan = PLANS[mode];
for (const kind of ['overload', 'jitter', 'avalanche'])
  if (flags[kind] !== undefined) plan[kind] = { ...plan[kind], ...planOverrides(kind, flags[kind]) };

/** `clients:200,rate:500` → { clients: 200, rate: 500 }, known keys of plan `kind` and finite numbers only. */
function planOverrides(kind, value) {
  const known = Object.keys(PLANS.full[kind]);
  const out = {};
  for (const pair of value.split(',').filter(Boolean)) {
    const [key, raw] = pair.split(':');
    const number = Number(raw);
    if (!known.includes(key)) throw new Error(`--${kind}: unknown key "${key}"; known: ${known.join(', ')}`);
    if (!Number.isFinite(number) || number < 0) throw new Error(`--${kind}: ${key} must be a non-negative number, got "${raw}"`);
    out[key] = number;
  }
  return out;
}
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

/** Marks the hand-kept end of docs/benchmarks.md (runs of other scripts, e.g. bench/pg-changes.mjs): kept on regeneration. */
const KEPT_MARKER = '<!-- Kept by hand from here on: not generated by bench/report.mjs, kept when it rewrites this page. -->';

/** Writes docs/benchmarks.md: the generated page, then the hand-kept sections of the current one. */
function writeDocs(markdown) {
  const path = `${root}docs/benchmarks.md`;
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // No page yet: nothing kept.
  }
  const at = current.indexOf(KEPT_MARKER);
  writeFileSync(path, at === -1 ? markdown : `${markdown.trimEnd()}\n\n${current.slice(at)}`);
}

async function main() {
  if (flags['docs-from']) {
    const runs = flags['docs-from'].split(',').map((file) => JSON.parse(readFileSync(file, 'utf8')));
    writeDocs(renderMarkdown(mergeRuns(runs)));
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
    code: codeVersion(),
    machine: machine(),
    ...(redis ? { redis } : {}),
    results,
  };
  const file = `${resultsDir}/${startedAt.toISOString().replace(/[:.]/g, '-')}-${mode}.json`;
  writeFileSync(file, JSON.stringify(run, null, 2));
  console.log(`\nraw results: ${file} (${run.minutes.toFixed(1)} min)`);
  for (const [scenario, runs] of Object.entries(results)) console.log(scenario, JSON.stringify(summarize(runs)));
  if (flags['write-docs']) {
    writeDocs(renderMarkdown(run));
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

/** One run from several: later runs' scenarios replace earlier ones; each keeps its command. */
function mergeRuns(runs) {
  const [first, ...rest] = runs;
  const merged = { ...first, results: { ...first.results }, plan: { ...first.plan }, sources: [] };
  for (const run of runs) {
    merged.sources.push({
      command: run.command,
      startedAt: run.startedAt,
      minutes: run.minutes,
      code: run.code,
      scenarios: Object.keys(run.results),
    });
  }
  for (const run of rest) {
    Object.assign(merged.results, run.results);
    for (const key of Object.keys(run.plan))
      if (Object.keys(run.results).some((name) => name.startsWith(key))) merged.plan[key] = run.plan[key];
  }
  return merged;
}

main().catch((error) => {
  console.error(error);
  killAll();
  process.exit(1);
});

/** The measured code: the commit, and whether the work tree had changes. */
function codeVersion() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit} with uncommitted changes` : commit;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/**
 * @module bench/profile-summary
 * Prints the functions with the most self time in a V8 .cpuprofile (from `--cpu-prof`):
 * `node bench/profile-summary.mjs <file.cpuprofile> [top=25]`.
 */
import { readFileSync } from 'node:fs';

const [file, topArg = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/profile-summary.mjs <file.cpuprofile> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const selfUs = new Map();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  totalUs += delta;
  selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
});
const byFunction = new Map();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = nodes.get(id).callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
}
const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg));
console.log(`total ${(totalUs / 1000).toFixed(0)} ms sampled`);
for (const [key, us] of rows) console.log(`${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${key}`);

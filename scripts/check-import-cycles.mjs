#!/usr/bin/env node
/**
 * @module scripts/check-import-cycles
 * Fails when the relative imports of a package's sources form a circle, `import type` ones
 * included: layers must depend one way (see STYLE.md). Prints each circle found.
 * Usage: node scripts/check-import-cycles.mjs [dir ...]   (default: packages/*\/src, apps/*)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]/g;
const SKIP = new Set(['node_modules', 'dist', '.e2e']);

function sources(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(ts|mts|svelte\.ts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The file a relative specifier points at (`./x.js` is `./x.ts` in the sources). */
function target(from, specifier) {
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

function graphOf(files) {
  const graph = new Map();
  for (const file of files) {
    const edges = new Set();
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const to = target(file, match[1]);
      if (to) edges.add(to);
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Tarjan's strongly connected components; any with more than one file is a circle. */
function circles(graph) {
  let index = 0;
  const stack = [];
  const info = new Map();
  const found = [];
  const visit = (node) => {
    info.set(node, { index, low: index, onStack: true });
    index++;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!info.has(next)) {
        visit(next);
        info.get(node).low = Math.min(info.get(node).low, info.get(next).low);
      } else if (info.get(next).onStack) {
        info.get(node).low = Math.min(info.get(node).low, info.get(next).index);
      }
    }
    if (info.get(node).low === info.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        info.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.has(node)) found.push(component);
    }
  };
  for (const node of graph.keys()) if (!info.has(node)) visit(node);
  return found;
}

const dirs = process.argv.slice(2);
const roots =
  dirs.length > 0
    ? dirs.map((dir) => resolve(dir))
    : [
        ...readdirSync(join(ROOT, 'packages')).map((name) => join(ROOT, 'packages', name, 'src')),
        ...readdirSync(join(ROOT, 'apps')).map((name) => join(ROOT, 'apps', name)),
      ].filter((dir) => existsSync(dir) && statSync(dir).isDirectory());

let failed = false;
for (const root of roots) {
  for (const component of circles(graphOf(sources(root)))) {
    failed = true;
    console.error(
      `import circle in ${relative(ROOT, root)}: ${component
        .map((file) => relative(root, file))
        .sort()
        .join(' ↔ ')}`,
    );
  }
}
if (failed) process.exit(1);

/**
 * Builds the browser ESM bundles and prints their minified and gzipped sizes next to
 * socket.io-client's browser bundle (dist/socket.io.min.js), measured the same way:
 * - dist/relais-client.browser.js: minified, @relais/protocol and @msgpack/msgpack included;
 * - dist/relais-client.json.browser.js: the same without MessagePack (encoding 'msgpack' fails
 *   at connect), for JSON-only apps.
 * Usage: npm run bundle -w @relais/client
 */
import { build } from 'esbuild';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import process from 'node:process';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/relais-client.browser.js');
const jsonOutfile = join(root, 'dist/relais-client.json.browser.js');

/** Replaces @msgpack/msgpack with a stub that throws when used. */
const withoutMsgpack = {
  name: 'without-msgpack',
  setup(b) {
    b.onResolve({ filter: /^@msgpack\/msgpack$/ }, () => ({ path: 'msgpack-stub', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents:
        "const no = () => { throw new Error('this relais build has no MessagePack: use encoding json or the full bundle'); };" +
        'export const encode = no; export const decodeMulti = no;',
      loader: 'js',
    }));
  },
};

const common = {
  entryPoints: [join(root, 'src/index.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  // Bundle the protocol from source so the build does not depend on a stale dist/.
  alias: { '@relais/protocol': join(root, '../protocol/src/index.ts') },
  logLevel: 'warning',
};
await build({ ...common, outfile });
await build({ ...common, outfile: jsonOutfile, plugins: [withoutMsgpack] });

function sizes(file) {
  const bytes = readFileSync(file);
  return { minified: statSync(file).size, gzipped: gzipSync(bytes, { level: 9 }).length };
}

const out = (line) => process.stdout.write(`${line}\n`);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const ours = sizes(outfile);
const json = sizes(jsonOutfile);
const require = createRequire(import.meta.url);
const socketIoFile = join(dirname(require.resolve('socket.io-client/package.json')), 'dist/socket.io.min.js');
const theirs = sizes(socketIoFile);

out(`@relais/client (json only) ${json.minified} B min (${kb(json.minified)}), ${json.gzipped} B gzip (${kb(json.gzipped)})`);
out(`@relais/client (full)      ${ours.minified} B min (${kb(ours.minified)}), ${ours.gzipped} B gzip (${kb(ours.gzipped)})`);
out(`socket.io-client 4.8        ${theirs.minified} B min (${kb(theirs.minified)}), ${theirs.gzipped} B gzip (${kb(theirs.gzipped)})`);
out(
  `gzip ratio: full ${(ours.gzipped / theirs.gzipped).toFixed(2)}x, json only ${(json.gzipped / theirs.gzipped).toFixed(2)}x socket.io-client`,
);

// The separate entry points: what an app importing Client pays on top for each (not written to dist).
async function withEntry(extra) {
  const contents = `export { Client } from './src/index.ts';${extra}`;
  const result = await build({ ...common, entryPoints: undefined, stdin: { contents, resolveDir: root, loader: 'ts' }, write: false });
  const bytes = result.outputFiles[0].contents;
  return { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
}
const base = await withEntry('');
for (const [name, extra] of [
  ['@relais/client/share', "export { SharedClient, serveSharedWorker } from './src/share/index.ts';"],
  ['@relais/client/outbox', "export { Outbox } from './src/outbox/index.ts';"],
]) {
  const size = await withEntry(extra);
  out(`+ ${name.padEnd(22)} +${size.minified - base.minified} B min, +${size.gzipped - base.gzipped} B gzip over Client alone`);
}

import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
const root = process.argv[2];
const src = (pkg, file = 'index.ts') => join(root, 'packages', pkg, 'src', file);
const r = await build({ stdin: { contents: "export * from '@relais/client';", resolveDir: root, loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, legalComments: 'none', write: false, metafile: false,
  alias: { '@relais/protocol': src('protocol'), '@relais/client': src('client') }, logLevel: 'warning' });
const code = r.outputFiles[0].contents;
console.log(code.length, gzipSync(code, { level: 9 }).length);
if (process.argv[3]) process.stdout.write(Buffer.from(code).toString());

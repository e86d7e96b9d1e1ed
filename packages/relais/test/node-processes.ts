/**
 * @module test/node-processes
 * Real `relais serve` processes for cluster tests. Node 20 cannot run the TypeScript sources,
 * so the CLI is bundled with the @relais/* packages from their sources with esbuild into a
 * temporary directory under node_modules/.cache (npm packages stay external and resolve from the
 * repository's node_modules). Works on a fresh clone: no prior `npm run build` needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { RELAIS_SOURCES as SOURCES } from './relais-sources.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** @relais/* from their sources; every other package stays external. */
const relaisSources: Plugin = {
  name: 'relais-sources',
  setup(builder) {
    builder.onResolve({ filter: /^@relais\// }, (args) => {
      const source = SOURCES[args.path];
      if (!source) throw new Error(`no source for ${args.path}`);
      return { path: join(root, source) };
    });
    builder.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
  },
};

export interface CliBundle {
  /** Path of the bundled `relais` entry point. */
  cli: string;
  /** The temporary directory (removed by `remove`), for config files. */
  dir: string;
  remove(): Promise<void>;
}

/** Bundles the CLI, with the @relais/* packages it imports, into a temp directory. */
export async function bundleCli(): Promise<CliBundle> {
  const cache = join(root, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const dir = await mkdtemp(join(cache, 'relais-cli-'));
  // cli/main.ts reads the version from ../../package.json relative to its module.
  const cli = join(dir, 'dist', 'cli', 'cli.js');
  const options: BuildOptions = {
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    plugins: [relaisSources],
  };
  await build({ ...options, entryPoints: [join(root, 'packages/relais/src/cli.ts')], outfile: cli });
  // `relais bench --workers` starts threads on ./bench-worker.js beside the module of bench.ts (here, cli.js).
  await build({
    ...options,
    entryPoints: [join(root, 'packages/relais/src/cli/bench-worker.ts')],
    outfile: join(dir, 'dist', 'cli', 'bench-worker.js'),
  });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'relais-test-bundle', version: '0.0.0-test', type: 'module' }));
  return { cli, dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A running `relais serve` child process. */
export class NodeProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Every JSON log line it wrote. */
  readonly logs: Record<string, unknown>[];

  private constructor(child: ChildProcess, port: number, logs: Record<string, unknown>[]) {
    this.child = child;
    this.port = port;
    this.logs = logs;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/connection/websocket`;
  }

  /** Starts `node <cli> serve --port 0 …args` and resolves once it listens. */
  static start(cli: string, args: readonly string[], env: Record<string, string> = {}): Promise<NodeProcess> {
    // The engine is under test, not the demo apps: a bare node.
    const child = spawn(
      process.execPath,
      [cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--log-level', 'info', '--no-apps', '--no-demo', ...args],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const logs: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`relais did not listen within 15 s; stderr:\n${stderr}`));
      }, 15_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        logs.push(entry);
        if (typeof entry.port === 'number' && String(entry.msg).startsWith('relais listening')) {
          clearTimeout(timer);
          resolve(new NodeProcess(child, entry.port, logs));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`relais exited (${code ?? signal}) before listening; stderr:\n${stderr}`));
      });
    });
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

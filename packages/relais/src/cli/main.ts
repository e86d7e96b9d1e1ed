/**
 * @module cli/main
 * The `relais` command: parses the command line, resolves the config and runs a node.
 */
import { readFileSync } from 'node:fs';
import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import { chatContract, resolveDemoOptions, withDemoNamespaces } from '@relais/app-chat/server';
import { createRelais, type NamespaceOptions } from '@relais/server';
import { feedPostgresChanges, mountSupabase, withSupabaseNamespaces, type RestTables } from '@relais/supabase';
import type { Moodboard } from '@relais/app-moodboard/server';
import { installDemo, installPostgresDemo } from '../demo.js';
import { createStaticHandler } from '../static/static-handler.js';
import { findAdminApp, findApps } from './apps.js';
import { installAdmin, type AdminDashboard } from '@relais/app-admin/server';
import { adminOffRoute } from './admin-off.js';
import { USAGE, UsageError, parseArgs } from './args.js';
import { resolveServeConfig, type ServeConfig } from './config.js';
import { createEngine, type LoadRedis } from './engine.js';
import { runTokens } from './tokens.js';
import { parsePublishArgs, runPublish } from './publish.js';
import { parseBenchArgs } from './bench-args.js';
import { withChangesNamespace } from './postgres.js';
import type { PostgresChanges, PostgresChangesOptions } from '@relais/postgres';

/** Where the CLI writes, and what it reads; injectable for tests. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stdout is a terminal (pretty logs) or not (JSON logs). */
  tty: boolean;
  /** Where JSON logs go when not a TTY; defaults to stdout. */
  logStream?: NodeJS.WritableStream;
  /** Gives the @relais/redis classes for `--engine redis`. @default the imported package */
  loadRedis?: LoadRedis;
  /** Reads all of stdin (`relais publish <channel> -`). @default process.stdin */
  stdin?: () => Promise<string>;
}

/** The node could not start (engine unreachable, port taken, …); the message says why. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

/** A running `relais serve`. */
export interface Served {
  port: number;
  host: string;
  config: ServeConfig;
  logger: PinoLogger;
  /** Graceful shutdown of the node. */
  stop(): Promise<void>;
}

export function version(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

function makeLogger(level: string, io: CliIo): PinoLogger {
  if (io.tty) return pino({ level }, pretty({ colorize: true, sync: true }));
  return pino({ level }, io.logStream ?? process.stdout);
}

function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Starts a node from a resolved config. */
export async function serve(config: ServeConfig, io: CliIo): Promise<Served> {
  const logger = makeLogger(config.logLevel, io);
  // Checked before the node exists, so that bad demo options leave nothing running.
  const demo = config.demo === false ? undefined : resolveDemoOptions(config.demo ?? {});
  // The mood board needs the change feed's database: without a Postgres URL it is not mounted.
  const moodboard = demo && config.postgres && config.moodboard !== false ? (config.moodboard ?? {}) : undefined;
  const mounts = await findApps(config.apps, { postgres: moodboard !== undefined });
  if (config.admin) mounts.unshift(await findAdminApp(config.apps));
  const supabase = config.supabase;
  const options = { ...config.options };
  if (demo) {
    options.namespaces = withDemoNamespaces(options.namespaces as Record<string, NamespaceOptions> | undefined, demo);
    // The chat's wire contract: what clients send to its rooms is checked against its schemas.
    options.contract = chatContract;
  }
  const changesNamespace = typeof config.postgres?.namespace === 'string' ? config.postgres.namespace : 'pg';
  if (config.postgres)
    options.namespaces = withChangesNamespace(options.namespaces as Record<string, NamespaceOptions> | undefined, changesNamespace);
  if (supabase) options.namespaces = withSupabaseNamespaces(options.namespaces as Record<string, NamespaceOptions> | undefined, supabase);
  const engine = await createEngine(config.engine, logger, io.loadRedis);
  const relais = createRelais({ ...options, logger, ...(engine && { engine }) });
  if (demo) installDemo(relais, demo);
  let admin: AdminDashboard | undefined;
  if (config.admin) admin = installAdmin(relais, config.admin);
  else relais.route(adminOffRoute());
  let changes: PostgresChanges | undefined;
  if (supabase) {
    // With the feed, Supabase postgres_changes subscribe to its change channels (the node does
    // not listen before the feed is live, so no join comes before `changes` is set).
    const postgresChanges = config.postgres ? feedPostgresChanges({ channelFor: (spec) => changes!.channelFor(spec) }) : undefined;
    // The PostgREST subset (`/rest/v1/<table>`) serves the feed's tables once it is started.
    const restTables: RestTables | undefined = config.postgres
      ? {
          table: (schema, table) => changes?.restTables().table(schema, table),
          transaction: (work) => changes!.restTables().transaction(work),
        }
      : undefined;
    mountSupabase(relais, { ...supabase, ...(postgresChanges && { postgresChanges }), ...(restTables && { restTables }) });
  }
  const fallback = mounts.length > 0 ? createStaticHandler(mounts) : undefined;
  let address: { port: number; host: string };
  let board: Moodboard | undefined;
  try {
    if (config.postgres) {
      let postgres = config.postgres;
      if (moodboard) {
        // Its table exists before the feed starts, and the feed streams it.
        const installed = await installPostgresDemo(relais, postgres as { url: string; tables: unknown[] }, moodboard);
        board = installed.board;
        postgres = { ...postgres, tables: installed.tables };
      }
      // Live before the node listens: no subscribe waits for the feed.
      // Loaded only when configured: a node without a feed never loads pg.
      const { PostgresChanges } = await import('@relais/postgres');
      changes = new PostgresChanges(relais, postgres as unknown as PostgresChangesOptions);
      await changes.start();
    }
    address = await relais.listen({ port: config.port, host: config.host, fallback });
  } catch (error) {
    // Release the feed's and the engine's connections, or they would keep the process alive.
    admin?.close();
    await changes?.close();
    await board?.close();
    await relais.close();
    throw new StartError(`cannot start: ${(error as Error).message}`, { cause: error });
  }
  if (changes) logger.info({ slot: changes.feed.options.slot, tables: changes.feed.tables.size }, 'postgres change feed live');
  if (board) logger.info({ table: `${board.schema}.${board.table}` }, 'mood board installed');
  if (admin)
    logger.info(
      { password: admin.options.password !== undefined, jwt: admin.options.jwtSecret !== undefined },
      'admin dashboard on /admin/',
    );
  logger.info(
    { port: address.port, host: address.host, version: version(), engine: config.engine.type },
    `relais listening on ${httpUrl(address.host, address.port)}`,
  );
  // A wildcard address is not something to type in a browser.
  const browse = httpUrl(address.host === '0.0.0.0' || address.host === '::' ? 'localhost' : address.host, address.port);
  for (const mount of mounts) logger.info({ dir: mount.dir }, `app at ${browse}${mount.prefix === '/' ? '/' : `${mount.prefix}/`}`);
  if (mounts.length === 0 && config.apps === undefined)
    logger.info('no built apps to serve (npm run build builds the chat and the counter)');
  return {
    port: address.port,
    host: address.host,
    config,
    logger,
    async stop() {
      logger.info('relais shutting down');
      admin?.close();
      await relais.close();
      await changes?.close();
      await board?.close();
    },
  };
}

/**
 * Runs the CLI. Resolves with an exit code for one-shot commands, or with the running server
 * for `serve`.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number | Served> {
  try {
    if (argv[0] === 'publish') {
      const publish = parsePublishArgs(argv.slice(1));
      if (publish.command === 'help') {
        io.out(publish.usage);
        return 0;
      }
      return await runPublish(publish, io);
    }
    if (argv[0] === 'bench') {
      const bench = parseBenchArgs(argv.slice(1), io.env);
      if (bench.command === 'help') {
        io.out(bench.usage);
        return 0;
      }
      // Loaded only for bench: serve never loads the client SDK.
      const { runBench } = await import('./bench.js');
      return await runBench(bench, io);
    }
    const args = parseArgs(argv);
    if (args.command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (args.command === 'version') {
      io.out(`${version()}\n`);
      return 0;
    }
    if (args.command === 'tokens') return await runTokens(args.rest ?? [], io);
    const config = await resolveServeConfig(args, io.env);
    return await serve(config, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`relais: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StartError) {
      io.err(`relais: ${error.message}\n`);
      return 1;
    }
    // Invalid server options are reported by createRelais with a precise message.
    if (error instanceof Error && /option/i.test(error.message)) {
      io.err(`relais: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

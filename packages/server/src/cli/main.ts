/**
 * @module cli/main
 * The `relais` command: parses the command line, resolves the config and runs a node.
 */
import { readFileSync } from 'node:fs';
import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import { createRelais } from '../node.js';
import { USAGE, UsageError, parseArgs } from './args.js';
import { resolveServeConfig, type ServeConfig } from './config.js';
import { createEngine, type LoadRedis } from './engine.js';

/** Where the CLI writes, and what it reads; injectable for tests. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether stdout is a terminal (pretty logs) or not (JSON logs). */
  tty: boolean;
  /** Where JSON logs go when not a TTY; defaults to stdout. */
  logStream?: NodeJS.WritableStream;
  /** Loads @relais/redis for `--engine redis`. @default a dynamic import */
  loadRedis?: LoadRedis;
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

/** Starts a node from a resolved config. */
export async function serve(config: ServeConfig, io: CliIo): Promise<Served> {
  const logger = makeLogger(config.logLevel, io);
  const engine = await createEngine(config.engine, logger, io.loadRedis);
  const relais = createRelais({ ...config.options, logger, ...(engine && { engine }) });
  let address: { port: number; host: string };
  try {
    address = await relais.listen({ port: config.port, host: config.host });
  } catch (error) {
    // Release the engine's connections, or they would keep the process alive.
    await relais.close();
    throw new StartError(`cannot start: ${(error as Error).message}`, { cause: error });
  }
  logger.info(
    { port: address.port, host: address.host, version: version(), engine: config.engine.type },
    `relais listening on http://${address.host}:${address.port}`,
  );
  return {
    port: address.port,
    host: address.host,
    config,
    logger,
    async stop() {
      logger.info('relais shutting down');
      await relais.close();
    },
  };
}

/**
 * Runs the CLI. Resolves with an exit code for one-shot commands, or with the running server
 * for `serve`.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number | Served> {
  try {
    const args = parseArgs(argv);
    if (args.command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (args.command === 'version') {
      io.out(`${version()}\n`);
      return 0;
    }
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

#!/usr/bin/env node
/**
 * @module cli
 * Entry point of the `relais` binary.
 */
import { main } from './cli/main.js';

const result = await main(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: Boolean(process.stdout.isTTY),
});

if (typeof result === 'number') {
  process.exitCode = result;
} else {
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      // A second signal means "now".
      process.exit(1);
    }
    stopping = true;
    result.logger.info({ signal }, 'signal received');
    result.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        result.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

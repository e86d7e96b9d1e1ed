import { runControlLinkSuite } from '@relais/server/testkit';
import { silentLogger } from '@relais/server';
import { describe, expect, it } from 'vitest';
import { RedisControlLink } from './redis-control-link.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const options = { url, connectTimeoutMs: 2_000, commandTimeoutMs: 2_000, maxReconnectDelayMs: 500, logger: silentLogger };

runControlLinkSuite('RedisControlLink', (count) => {
  // A prefix of its own per cluster: runs in parallel never hear each other.
  const prefix = `ctltest${Math.random().toString(36).slice(2, 8)}`;
  return Array.from({ length: count }, () => new RedisControlLink({ ...options, prefix }));
});

describe('RedisControlLink', () => {
  it('rejects start with the unreachable URL, redacted', async () => {
    const link = new RedisControlLink({
      ...options,
      url: 'redis://user:secret@127.0.0.1:1',
      prefix: 'x',
      connectTimeoutMs: 500,
      maxReconnectDelayMs: 50,
    });
    const error = (await link.start('n', () => {}).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^RedisControlLink: cannot connect to redis:\/\/user:\*+@127\.0\.0\.1:1/);
    expect(error.message).not.toContain('secret');
    await link.close();
  });
});

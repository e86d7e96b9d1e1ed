/**
 * @module testing/use-fake-server
 * The harness of the client's own tests: fake timers and a fresh FakeServer around each test of
 * a suite. Uses vitest's hooks, so it is not part of `@relais/client/testing`.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { FakeServer } from './fake-server.js';

export interface FakeServerHarness {
  /** The current test's FakeServer: a new one for every test. */
  readonly server: FakeServer;
}

export interface UseFakeServerOptions {
  /** Where the fake clock starts, in ms since the epoch. @default the real time */
  nowMs?: number;
}

/**
 * Before each test of the calling suite: fake timers, then a new FakeServer; after it, real
 * timers again. Call it in a `describe` body, before any hook that uses the server.
 * @example
 * const fake = useFakeServer();
 * it('connects', async () => {
 *   fakeClient(fake.server).connect();
 *   await vi.advanceTimersByTimeAsync(0);
 * });
 */
export function useFakeServer(options: UseFakeServerOptions = {}): FakeServerHarness {
  let server: FakeServer | undefined;
  beforeEach(() => {
    vi.useFakeTimers(options.nowMs === undefined ? undefined : { now: options.nowMs });
    server = new FakeServer();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  return {
    get server(): FakeServer {
      if (!server) throw new Error('useFakeServer: the server exists once a test has started');
      return server;
    },
  };
}

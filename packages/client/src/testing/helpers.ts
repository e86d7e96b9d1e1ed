/**
 * @module testing/helpers
 * Small helpers for tests against the FakeServer: a client factory, a fake window/document, and a
 * recorder of emitted values.
 */
import { Client } from '../client.js';
import type { EnvironmentTarget, VisibilityTarget } from '../environment.js';
import type { ClientOptions } from '../options.js';
import type { FakeServer } from './fake-server.js';

export const FAKE_URL = 'ws://relais.test/connection/websocket';

/** A window/document stand-in that tests can fire `online` and `visibilitychange` on. */
export class FakeEnvironment implements EnvironmentTarget, VisibilityTarget {
  visibilityState = 'visible';
  readonly #listeners = new Map<string, Set<() => void>>();

  addEventListener(type: string, listener: () => void): void {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type)!.add(listener);
  }

  removeEventListener(type: string, listener: () => void): void {
    this.#listeners.get(type)?.delete(listener);
  }

  listenerCount(type: string): number {
    return this.#listeners.get(type)?.size ?? 0;
  }

  fire(type: string): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener();
  }
}

/** A client wired to `server`, with no window/document unless given. */
export function fakeClient(server: FakeServer, options: ClientOptions = {}): Client {
  return new Client(FAKE_URL, { websocket: server.WebSocket, transports: ['websocket'], window: null, document: null, ...options });
}

/** Collects every value passed to the returned function. */
export function recorder<T>(): ((value: T) => void) & { values: T[] } {
  const values: T[] = [];
  const record = (value: T) => {
    values.push(value);
  };
  return Object.assign(record, { values });
}

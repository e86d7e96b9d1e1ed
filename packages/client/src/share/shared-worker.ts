/**
 * @module share/shared-worker
 * The SharedWorker side of a shared connection: the worker holds the one real Client (a
 * ShareHub) for every tab that connects to it, each over its own MessagePort. A tab holds a
 * Web Lock named after its id for as long as it lives; the worker asks for that lock, so it
 * is granted the moment the tab is gone, closed or crashed, and its subscriptions are released.
 */
import { Client } from '../client.js';
import { idempotencyKey } from '../ids.js';
import type { ClientOptions } from '../options.js';
import { defaultLocks, electLeader, type LockManagerLike } from './election.js';
import { ShareHub, type TabWatch } from './hub.js';
import type { TabMessage } from './messages.js';

/** The part of a MessagePort the share uses. */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  start?(): void;
  close(): void;
}

/** The part of a SharedWorker's global scope the share uses. */
export interface SharedWorkerScopeLike {
  onconnect: ((event: { ports: readonly MessagePortLike[] }) => void) | null;
}

export interface SharedWorkerOptions extends ClientOptions {
  /** The worker's global scope. @default globalThis */
  scope?: SharedWorkerScopeLike;
  /** Tells when a tab is gone. @default navigator.locks */
  locks?: LockManagerLike;
}

/** The lock a tab holds while it lives, so that a SharedWorker learns when it is gone. */
export function tabLockName(tab: string): string {
  return `relais-tab:${tab}`;
}

/**
 * Watches tabs through the lock each holds while it lives (`tabLockName`): asking for it, the
 * watcher is granted it once the tab is gone. `left` runs before the hub hears of it.
 */
export function watchTabs(locks: LockManagerLike, left: (tab: string) => void = () => {}): TabWatch {
  return (tab, gone) =>
    electLeader(locks, tabLockName(tab), () => {
      left(tab);
      gone();
    });
}

/**
 * Serves the tabs that connect to this SharedWorker with one connection to `url`. Call it once
 * in the worker script; tabs use `new SharedClient(url, { share: true, worker })`.
 * @example
 * // relais-worker.js, bundled with @relais/client/share
 * import { serveSharedWorker } from '@relais/client/share';
 * serveSharedWorker('wss://example.com/connection/websocket', { token });
 */
export function serveSharedWorker(url: string, options: SharedWorkerOptions = {}): { hub: ShareHub; close(): void } {
  const { scope = globalThis as unknown as SharedWorkerScopeLike, locks = defaultLocks(), ...clientOptions } = options;
  const ports = new Set<MessagePortLike>();
  const portOf = new Map<string, MessagePortLike>();
  const client = new Client(url, { window: null, document: null, ...clientOptions });
  const watch =
    locks &&
    watchTabs(locks, (tab) => {
      const port = portOf.get(tab);
      if (port) ports.delete(port);
      portOf.delete(tab);
    });
  const hub = new ShareHub(
    client,
    `shared-worker:${idempotencyKey()}`,
    (message) => {
      for (const port of ports) port.postMessage(message);
    },
    watch,
  );
  scope.onconnect = (event) => {
    const port = event.ports[0];
    if (!port) return;
    ports.add(port);
    port.onmessage = ({ data }) => {
      const message = data as TabMessage;
      portOf.set(message.tab, port);
      if (message.type === 'bye') ports.delete(port);
      hub.handle(message);
    };
    port.start?.();
  };
  hub.start();
  return {
    hub,
    close: () => {
      scope.onconnect = null;
      hub.close();
      for (const port of ports) port.close();
      ports.clear();
    },
  };
}

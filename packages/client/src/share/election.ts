/**
 * @module share/election
 * One leader among the tabs of an origin, elected with the Web Locks API: every tab asks for the
 * same exclusive lock, the one holding it leads, and when it closes (or its tab dies) the
 * browser grants the lock to the next tab waiting.
 */
import type { Disposer } from '../emitter.js';

/** The part of `navigator.locks` the election uses. */
export interface LockManagerLike {
  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<unknown>;
}

/** `navigator.locks`, when the runtime has it. */
export function defaultLocks(): LockManagerLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}

/**
 * Waits for the lock `name`; calls `lead` once it is held, and holds it until the returned
 * disposer runs (or the tab goes away). The disposer also withdraws a request still waiting.
 */
export function electLeader(locks: LockManagerLike, name: string, lead: () => void): Disposer {
  const abort = new AbortController();
  let release: (() => void) | undefined;
  let disposed = false;
  locks
    .request(name, { signal: abort.signal }, () => {
      if (disposed) return Promise.resolve();
      lead();
      return new Promise<void>((resolve) => (release = resolve));
    })
    .catch(() => {
      // AbortError: the request was withdrawn before it was granted.
    });
  return () => {
    if (disposed) return;
    disposed = true;
    if (release) release();
    else abort.abort();
  };
}

/**
 * @module environment
 * Browser signals that a retry should happen now: `online` on window, `visibilitychange` on
 * document. Both are optional and injectable; in Node neither exists and nothing is listened to.
 */
import type { Disposer } from './emitter.js';

/** The part of `window` the client uses. */
export interface EnvironmentTarget {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener(type: 'online', listener: () => void): void;
}

/** The part of `document` the client uses. */
export interface VisibilityTarget {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

function hasListeners(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as EventTarget).addEventListener === 'function';
}

/** The injected target, else the global one when it exists; `null` disables. */
export function resolveWindow(given: EnvironmentTarget | null | undefined): EnvironmentTarget | null {
  if (given !== undefined) return given;
  const win = (globalThis as { window?: unknown }).window;
  return hasListeners(win) ? (win as EnvironmentTarget) : null;
}

export function resolveDocument(given: VisibilityTarget | null | undefined): VisibilityTarget | null {
  if (given !== undefined) return given;
  const doc = (globalThis as { document?: unknown }).document;
  return hasListeners(doc) ? (doc as VisibilityTarget) : null;
}

/** Calls `wake` when the browser comes back online or the tab becomes visible. */
export function watchEnvironment(
  win: EnvironmentTarget | null,
  doc: VisibilityTarget | null,
  wake: (why: 'online' | 'visible') => void,
): Disposer {
  const onOnline = () => wake('online');
  const onVisibility = () => {
    if (doc?.visibilityState === 'visible') wake('visible');
  };
  win?.addEventListener('online', onOnline);
  doc?.addEventListener('visibilitychange', onVisibility);
  return () => {
    win?.removeEventListener('online', onOnline);
    doc?.removeEventListener('visibilitychange', onVisibility);
  };
}

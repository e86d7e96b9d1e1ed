/**
 * @module demo
 * The server side of the demo apps served by `relais serve`: the chat (rooms, display names,
 * message validation, a per-user rate limit) and the click counter.
 */
import type { Relais } from '../node.js';
import type { NamespaceOptions } from '../options.js';
import { CHAT_NAMESPACE, installChat } from './chat.js';
import { installCounter } from './counter.js';
import { resolveDemoOptions, type DemoOptions } from './options.js';

export * from './chat.js';
export * from './counter.js';
export * from './options.js';

/** Namespace of the server-only demo channels (`demo:rooms`, `demo:counter`). */
export const DEMO_NAMESPACE = 'demo';

/**
 * Adds the demo's namespaces to a `namespaces` option when one is set (an unset option already
 * allows every namespace). Entries the caller defined win.
 */
export function withDemoNamespaces(namespaces: Record<string, NamespaceOptions> | undefined): Record<string, NamespaceOptions> | undefined {
  if (namespaces === undefined) return undefined;
  return { [CHAT_NAMESPACE]: {}, [DEMO_NAMESPACE]: { clientPublish: false }, ...namespaces };
}

/**
 * Installs the chat and the counter on a node; returns a disposer. Throws OptionsError on bad options.
 * @example
 * const relais = createRelais();
 * installDemo(relais, { maxMessageLength: 200 });
 */
export function installDemo(relais: Relais, options: DemoOptions = {}): () => void {
  const resolved = resolveDemoOptions(options);
  const disposers = [installChat(relais, resolved), installCounter(relais)];
  return () => {
    for (const dispose of disposers) dispose();
  };
}

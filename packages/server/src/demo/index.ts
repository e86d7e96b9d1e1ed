/**
 * @module demo
 * The server side of the demo apps served by `relais serve`: the chat (rooms, display names,
 * message validation, a per-user rate limit, typing events, the `chat` namespace with history
 * and presence) and the click counter.
 */
import type { Relais } from '../node.js';
import { CATCH_ALL_NAMESPACE } from '../channels.js';
import type { NamespaceOptions } from '../options.js';
import { CHAT_NAMESPACE, installChat } from './chat.js';
import { installCounter } from './counter.js';
import { resolveDemoOptions, type DemoOptions, type ResolvedDemoOptions } from './options.js';

export * from './chat.js';
export * from './counter.js';
export * from './options.js';

/** Namespace of the server-only demo channels (`demo:rooms`, `demo:counter`). */
export const DEMO_NAMESPACE = 'demo';

/**
 * The `namespaces` option a node serving the demo needs, built from the configured one:
 * - `chat` keeps `historySize` messages per room for `historyTtlMs` (history on join, recovery)
 *   and tracks presence with join/leave; keys of a configured `chat` entry override these one by
 *   one (one that sets `historySize` or `historyTtlMs` decides the history on its own);
 * - `demo` is server-publish only, unless configured;
 * - with no `namespaces` configured, a `'*'` entry keeps every other namespace open, as a node
 *   without the option does. A configured option is left as it is otherwise: its unlisted
 *   namespaces keep getting 102.
 * @example withDemoNamespaces(undefined, resolveDemoOptions()) // { '*': {}, chat: {…}, demo: {…} }
 */
export function withDemoNamespaces(namespaces: Record<string, NamespaceOptions> | undefined, demo: ResolvedDemoOptions): Record<string, NamespaceOptions> {
  const configured = namespaces?.[CHAT_NAMESPACE];
  const ownsHistory = configured !== undefined && (configured.historySize !== undefined || configured.historyTtlMs !== undefined);
  const history = ownsHistory || demo.historySize === 0 ? {} : { historySize: demo.historySize, historyTtlMs: demo.historyTtlMs };
  const chat: NamespaceOptions = { ...history, presence: true, joinLeave: true, ...configured };
  const own = { [CHAT_NAMESPACE]: chat, [DEMO_NAMESPACE]: namespaces?.[DEMO_NAMESPACE] ?? { clientPublish: false } };
  return namespaces === undefined ? { [CATCH_ALL_NAMESPACE]: {}, ...own } : { ...namespaces, ...own };
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

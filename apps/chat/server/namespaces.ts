/**
 * @module chat/server/namespaces
 * The `namespaces` option a node serving the demo needs: the chat's rooms with history and
 * presence, and the demos' server-only channels.
 */
import { CATCH_ALL_NAMESPACE, type NamespaceOptions } from '@relais/server';
import { CHAT_NAMESPACE, DEMO_NAMESPACE } from '../shared/protocol.js';
import type { ResolvedDemoOptions } from './options.js';

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
export function withDemoNamespaces(
  namespaces: Record<string, NamespaceOptions> | undefined,
  demo: ResolvedDemoOptions,
): Record<string, NamespaceOptions> {
  const configured = namespaces?.[CHAT_NAMESPACE];
  const ownsHistory = configured !== undefined && (configured.historySize !== undefined || configured.historyTtlMs !== undefined);
  const history = ownsHistory || demo.historySize === 0 ? {} : { historySize: demo.historySize, historyTtlMs: demo.historyTtlMs };
  const chat: NamespaceOptions = { ...history, presence: true, joinLeave: true, ...configured };
  const own = { [CHAT_NAMESPACE]: chat, [DEMO_NAMESPACE]: namespaces?.[DEMO_NAMESPACE] ?? { clientPublish: false } };
  return namespaces === undefined ? { [CATCH_ALL_NAMESPACE]: {}, ...own } : { ...namespaces, ...own };
}

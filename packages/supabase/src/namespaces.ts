/**
 * @module namespaces
 * The `namespaces` option a node serving Supabase clients needs: presence with join/leave on
 * both namespaces, and private topics for users only.
 */
import { CATCH_ALL_NAMESPACE, type NamespaceOptions } from '@relais/server';
import type { ResolvedSupabaseOptions } from './options.js';

/**
 * Adds the front-end's namespaces to the configured `namespaces` option:
 * - `namespace` (public topics): `presence` and `joinLeave` on;
 * - `privateNamespace`: the same, and `subscribeAccess: 'authenticated'`;
 * keys of a configured entry override these one by one. With no `namespaces` configured, a
 * `'*'` entry keeps every other namespace open, as a node without the option does.
 * @example withSupabaseNamespaces(undefined, resolveSupabaseOptions()) // { '*': {}, supabase: {…}, 'supabase-private': {…} }
 */
export function withSupabaseNamespaces(
  namespaces: Record<string, NamespaceOptions> | undefined,
  options: Pick<ResolvedSupabaseOptions, 'namespace' | 'privateNamespace'>,
): Record<string, NamespaceOptions> {
  const own = {
    [options.namespace]: { presence: true, joinLeave: true, ...namespaces?.[options.namespace] },
    [options.privateNamespace]: {
      presence: true,
      joinLeave: true,
      subscribeAccess: 'authenticated' as const,
      ...namespaces?.[options.privateNamespace],
    },
  };
  return namespaces === undefined ? { [CATCH_ALL_NAMESPACE]: {}, ...own } : { ...namespaces, ...own };
}

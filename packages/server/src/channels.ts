/**
 * @module channels
 * Namespace resolution: which rules apply to a channel, from `options.namespaces`. The entry
 * `'*'` (CATCH_ALL_NAMESPACE), when present, gives the rules of every namespace not listed.
 */
import { ERROR_CODES, ReplyError, namespaceOf } from '@relais/protocol';
import { resolveAccess, type AccessRules } from './auth/permissions.js';
import type { HistoryOptions } from './broker.js';
import type { NamespaceOptions } from './options.js';
import type { Rate } from './rate-limit/token-bucket.js';

/** Rules of one channel, defaults applied. */
export interface ChannelRules {
  namespace: string;
  clientPublish: boolean;
  clientSubscribe: boolean;
  /** Largest encoded data size of a client publication; undefined means no limit. */
  maxDataBytes: number | undefined;
  /** Who may subscribe, publish, read presence and history (see auth/permissions). */
  access: AccessRules;
  /** Publishes per second per connection on this namespace; undefined means no own limit. */
  publishRate: Rate | undefined;
  /** How publications are kept; undefined when the namespace keeps no history. */
  history: HistoryOptions | undefined;
  presence: boolean;
  joinLeave: boolean;
}

function toRules(namespace: string, ns: NamespaceOptions): ChannelRules {
  // Options were validated by resolveOptions (token access included), hence `true` for auth.
  const access = resolveAccess(`namespaces[${JSON.stringify(namespace)}]`, ns as Record<string, unknown>, true);
  const keeps = ns.historySize !== undefined && ns.historySize > 0 && ns.historyTtlMs !== undefined;
  return {
    namespace,
    clientPublish: access.publish !== 'nobody',
    clientSubscribe: access.subscribe !== 'nobody',
    maxDataBytes: ns.maxDataBytes,
    access,
    publishRate: ns.publishRate,
    history: keeps ? { size: ns.historySize as number, ttlMs: ns.historyTtlMs as number } : undefined,
    presence: ns.presence ?? false,
    joinLeave: ns.joinLeave ?? false,
  };
}

/** Key of `namespaces` whose rules apply to every namespace not listed (instead of 102). */
export const CATCH_ALL_NAMESPACE = '*';

export class Channels {
  readonly #rules: Map<string, ChannelRules> | undefined;
  /** Rules of namespaces not listed, resolved once; undefined: they get 102 (when namespaces are set). */
  readonly #others: ChannelRules | undefined;

  /** `namespaces` undefined: every namespace is allowed with default rules. */
  constructor(namespaces: Record<string, NamespaceOptions> | undefined) {
    this.#rules = namespaces && new Map(Object.entries(namespaces).map(([name, ns]) => [name, toRules(name, ns)]));
    const others = namespaces ? namespaces[CATCH_ALL_NAMESPACE] : {};
    this.#others = others && toRules(CATCH_ALL_NAMESPACE, others);
  }

  /** The rules of `channel`; throws ReplyError 102 when its namespace is not configured. */
  resolve(channel: string): ChannelRules {
    const rules = this.find(channel);
    if (!rules) throw new ReplyError(ERROR_CODES.UNKNOWN_CHANNEL);
    return rules;
  }

  /** The rules of `channel`, or undefined when its namespace is not configured. */
  find(channel: string): ChannelRules | undefined {
    const namespace = namespaceOf(channel);
    const listed = this.#rules?.get(namespace);
    if (listed) return listed;
    // Rules named after the channel's own namespace: per-namespace limits stay per namespace.
    return this.#others && { ...this.#others, namespace };
  }
}

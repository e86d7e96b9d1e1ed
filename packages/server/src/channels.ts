/**
 * @module channels
 * Namespace resolution: which rules apply to a channel, from `options.namespaces`.
 */
import { ERROR_CODES, ReplyError, namespaceOf } from '@relais/protocol';
import type { HistoryOptions } from './broker.js';
import type { NamespaceOptions } from './options.js';

/** Rules of one channel, defaults applied. */
export interface ChannelRules {
  namespace: string;
  clientPublish: boolean;
  clientSubscribe: boolean;
  /** Largest encoded data size of a client publication; undefined means no limit. */
  maxDataBytes: number | undefined;
  /** How publications are kept; undefined when the namespace keeps no history. */
  history: HistoryOptions | undefined;
  presence: boolean;
  joinLeave: boolean;
}

function toRules(namespace: string, ns: NamespaceOptions): ChannelRules {
  const keeps = ns.historySize !== undefined && ns.historySize > 0 && ns.historyTtlMs !== undefined;
  return {
    namespace,
    clientPublish: ns.clientPublish ?? true,
    clientSubscribe: ns.clientSubscribe ?? true,
    maxDataBytes: ns.maxDataBytes,
    history: keeps ? { size: ns.historySize as number, ttlMs: ns.historyTtlMs as number } : undefined,
    presence: ns.presence ?? false,
    joinLeave: ns.joinLeave ?? false,
  };
}

export class Channels {
  readonly #rules: Map<string, ChannelRules> | undefined;

  /** `namespaces` undefined: every namespace is allowed with default rules. */
  constructor(namespaces: Record<string, NamespaceOptions> | undefined) {
    this.#rules = namespaces && new Map(Object.entries(namespaces).map(([name, ns]) => [name, toRules(name, ns)]));
  }

  /** The rules of `channel`; throws ReplyError 102 when its namespace is not configured. */
  resolve(channel: string): ChannelRules {
    const namespace = namespaceOf(channel);
    if (!this.#rules) return toRules(namespace, {});
    const rules = this.#rules.get(namespace);
    if (!rules) throw new ReplyError(ERROR_CODES.UNKNOWN_CHANNEL);
    return rules;
  }

  /** The rules of `channel`, or undefined when its namespace is not configured. */
  find(channel: string): ChannelRules | undefined {
    if (!this.#rules) return toRules(namespaceOf(channel), {});
    return this.#rules.get(namespaceOf(channel));
  }
}

/**
 * @module channels
 * Namespaces: the `namespaces` option, its parsing into per-namespace rules, and which rules
 * apply to a channel. The entry `'*'` (CATCH_ALL_NAMESPACE), when present, gives the rules of
 * every namespace not listed.
 */
import { ERROR_CODES, NAMESPACE_SEPARATOR, ReplyError, namespaceOf } from '@relais/protocol';
import { resolveAccess, type Access, type AccessRules } from './auth/access.js';
import type { HistoryOptions } from './broker.js';
import { OptionsError, isRecord, positiveInteger, rejectUnknownKeys, show } from './option-checks.js';
import { checkRate } from './rate-limit/options.js';
import type { Rate } from './rate-limit/token-bucket.js';

/**
 * Rules of the channels of one namespace (`chat` for `chat:room-1`, `''` for names without
 * a colon): who may do what (see auth/access and docs/security.md), limits.
 */
export interface NamespaceOptions {
  /** `false` is `publishAccess: 'nobody'` (kept for compatibility). @default true */
  clientPublish?: boolean;
  /** `false` is `subscribeAccess: 'nobody'` (kept for compatibility). @default true */
  clientSubscribe?: boolean;
  /** Largest encoded size of a client publication's data, in bytes. @default no limit */
  maxDataBytes?: number;
  /** Who may subscribe: everyone, authenticated, owner, token or nobody (see Access). @default 'everyone' */
  subscribeAccess?: Access;
  /** Who may publish: everyone, authenticated, owner, subscribers or nobody. @default 'everyone' */
  publishAccess?: Access;
  /** Who may read presence: everyone, authenticated, owner, subscribers or nobody. @default 'subscribers' */
  presenceAccess?: Access;
  /** Who may read history: everyone, authenticated, owner, subscribers or nobody. @default 'subscribers' */
  historyAccess?: Access;
  /** Publishes per second one connection may make on this namespace's channels (ReplyError 111 beyond). @default no limit */
  publishRate?: Rate;
  /**
   * Publications kept per channel for history and recovery; 0 keeps none. A namespace with
   * history is "recoverable". @default 0
   */
  historySize?: number;
  /** How long each kept publication stays, in ms; required when historySize > 0. */
  historyTtlMs?: number;
  /**
   * Largest total size of one channel's kept publications, in bytes (each counts its encoded
   * MessagePack body): the oldest are trimmed while it is exceeded, and a publication larger
   * than it is delivered but not kept. @default 8388608 (DEFAULT_HISTORY_MAX_BYTES, 8 MiB)
   */
  historyMaxBytes?: number;
  /** Track who is subscribed (presence and presence_stats commands). @default false */
  presence?: boolean;
  /** Send join/leave pushes to subscribers that ask for them. @default false */
  joinLeave?: boolean;
  /**
   * Attach the publisher (`info`: its client id, user and connection info) to publications
   * made by connections. `false` leaves it out everywhere (live, history, recovery, every
   * protocol): about 45 bytes less per publication and subscriber in JSON, for apps that do
   * not show who published or put it in the data themselves. @default true
   */
  publisherInfo?: boolean;
  /**
   * What happens to a subscriber whose send queue overflows (maxQueueBytes): `'close'` closes
   * its connection with 3008; `'catch-up'` (namespaces with history only) stops pushing it this
   * channel's publications, sends it a `behind` push, and it reads them with `resume` at its own
   * pace, the connection open. @default 'close'
   */
  slowConsumer?: SlowConsumerPolicy;
}

/** See NamespaceOptions.slowConsumer. */
export type SlowConsumerPolicy = 'close' | 'catch-up';

/** Rules of one channel, defaults applied. */
export interface ChannelRules {
  namespace: string;
  clientPublish: boolean;
  clientSubscribe: boolean;
  /** Largest encoded data size of a client publication; undefined means no limit. */
  maxDataBytes: number | undefined;
  /** Who may subscribe, publish, read presence and history (see auth/access). */
  access: AccessRules;
  /** Publishes per second per connection on this namespace; undefined means no own limit. */
  publishRate: Rate | undefined;
  /** How publications are kept; undefined when the namespace keeps no history. */
  history: HistoryOptions | undefined;
  presence: boolean;
  joinLeave: boolean;
  /** Publications made by connections carry their publisher (`info`). */
  publisherInfo: boolean;
  /** A subscriber whose queue overflows falls behind and catches up (slowConsumer: 'catch-up'). */
  catchUp: boolean;
}

/**
 * Default `historyMaxBytes`: 8 MiB per channel, an eighth of the memory engine's default
 * process-wide cap. Recoveries larger than one reply are paged (recovery/page), so this bounds
 * memory, not reply sizes.
 */
export const DEFAULT_HISTORY_MAX_BYTES = 8_388_608;

/** Key of `namespaces` whose rules apply to every namespace not listed (instead of 102). */
export const CATCH_ALL_NAMESPACE = '*';

/** The `namespaces` option once parsed (see resolveNamespaces). */
export interface NamespaceRules {
  /** Rules of the listed namespaces; undefined when the option is not set (all are open). */
  readonly listed: ReadonlyMap<string, ChannelRules> | undefined;
  /** Rules of every namespace not listed; undefined: they get 102. */
  readonly others: ChannelRules | undefined;
}

const NAMESPACE_KEYS = new Set([
  'clientPublish',
  'clientSubscribe',
  'maxDataBytes',
  'subscribeAccess',
  'publishAccess',
  'presenceAccess',
  'historyAccess',
  'publishRate',
  'historySize',
  'historyTtlMs',
  'historyMaxBytes',
  'presence',
  'joinLeave',
  'publisherInfo',
  'slowConsumer',
]);

function history(where: string, rules: Record<string, unknown>, option: (key: string) => string): HistoryOptions | undefined {
  const { historySize, historyTtlMs, historyMaxBytes } = rules;
  const size = historySize === undefined ? 0 : positiveInteger(option('historySize'), historySize, { allowZero: historySize === 0 });
  const ttlMs = historyTtlMs === undefined ? undefined : positiveInteger(option('historyTtlMs'), historyTtlMs);
  const maxBytes = historyMaxBytes === undefined ? DEFAULT_HISTORY_MAX_BYTES : positiveInteger(option('historyMaxBytes'), historyMaxBytes);
  if (size > 0 && ttlMs === undefined) throw new OptionsError(`${where}.historyTtlMs is required when historySize > 0`);
  for (const [key, value] of [
    ['historyTtlMs', historyTtlMs],
    ['historyMaxBytes', historyMaxBytes],
  ] as const) {
    if (size === 0 && value !== undefined)
      throw new OptionsError(`${where}.${key} is set but historySize is 0: set historySize to keep history`);
  }
  return ttlMs === undefined ? undefined : { size, ttlMs, maxBytes };
}

function catchUp(where: string, value: unknown, history: HistoryOptions | undefined): boolean {
  if (value === undefined || value === 'close') return false;
  if (value !== 'catch-up') throw new OptionsError(`${where}.slowConsumer must be 'close' or 'catch-up', got ${show(value)}`);
  // Catching up reads history: without it the missed publications are nowhere to be read.
  if (!history) throw new OptionsError(`${where}.slowConsumer 'catch-up' needs history: set historySize and historyTtlMs`);
  return true;
}

/** Checks one namespace's options and applies their defaults. */
function namespaceRules(name: string, ns: unknown, hasAuth: boolean): ChannelRules {
  const where = `option namespaces[${JSON.stringify(name)}]`;
  if (name.includes(NAMESPACE_SEPARATOR)) throw new OptionsError(`${where}: a namespace name must not contain "${NAMESPACE_SEPARATOR}"`);
  if (!isRecord(ns)) throw new OptionsError(`${where} must be an object`);
  rejectUnknownKeys(where, ns, NAMESPACE_KEYS);
  for (const key of ['clientPublish', 'clientSubscribe', 'presence', 'joinLeave', 'publisherInfo']) {
    if (ns[key] !== undefined && typeof ns[key] !== 'boolean')
      throw new OptionsError(`${where}.${key} must be a boolean, got ${show(ns[key])}`);
  }
  const option = (key: string): string => `namespaces[${JSON.stringify(name)}].${key}`;
  const access = resolveAccess(where, ns, hasAuth);
  const kept = history(where, ns, option);
  return {
    namespace: name,
    clientPublish: access.publish !== 'nobody',
    clientSubscribe: access.subscribe !== 'nobody',
    maxDataBytes: ns.maxDataBytes === undefined ? undefined : positiveInteger(option('maxDataBytes'), ns.maxDataBytes),
    access,
    publishRate: ns.publishRate === undefined ? undefined : checkRate(`${where}.publishRate`, ns.publishRate),
    history: kept,
    presence: (ns.presence as boolean | undefined) ?? false,
    joinLeave: (ns.joinLeave as boolean | undefined) ?? false,
    publisherInfo: (ns.publisherInfo as boolean | undefined) ?? true,
    catchUp: catchUp(where, ns.slowConsumer, kept),
  };
}

/**
 * Checks the `namespaces` option and parses it once. `hasAuth`: whether the node verifies
 * tokens (`subscribeAccess: 'token'` needs it). Throws OptionsError naming the first bad field.
 */
export function resolveNamespaces(namespaces: unknown, hasAuth: boolean): NamespaceRules {
  if (namespaces === undefined) return { listed: undefined, others: namespaceRules(CATCH_ALL_NAMESPACE, {}, hasAuth) };
  if (!isRecord(namespaces)) throw new OptionsError('option namespaces must be an object');
  const listed = new Map<string, ChannelRules>();
  for (const [name, ns] of Object.entries(namespaces)) listed.set(name, namespaceRules(name, ns, hasAuth));
  return { listed, others: listed.get(CATCH_ALL_NAMESPACE) };
}

export class Channels {
  readonly #listed: ReadonlyMap<string, ChannelRules> | undefined;
  readonly #others: ChannelRules | undefined;

  constructor({ listed, others }: NamespaceRules) {
    this.#listed = listed;
    this.#others = others;
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
    const listed = this.#listed?.get(namespace);
    if (listed) return listed;
    // Rules named after the channel's own namespace: per-namespace limits stay per namespace.
    return this.#others && { ...this.#others, namespace };
  }
}

/**
 * @module rate-limit/rate-limiter
 * Token-bucket rate limits of one node: per connection, per user (shared by the user's
 * connections on this node), per namespace for publishes, and per IP for connection attempts.
 * Each limit has an overflow bucket: requests refused by the limit drain it, and once it is
 * empty the sender is flooding (Disconnect 3013) rather than merely fast (ReplyError 111).
 */
import type { Metrics } from '../metrics/metrics.js';
import type { ResolvedLimits, ResolvedScope } from './options.js';
import { TokenBucket, type Rate } from './token-bucket.js';

/** `ok`: go on; `limited`: refuse this request (111); `flood`: close the connection (3013). */
export type Verdict = 'ok' | 'limited' | 'flood';

/** Entries of idle users and addresses are forgotten on a sweep at most this often. */
const SWEEP_INTERVAL_MS = 10_000;
/** Most users or addresses tracked at once; the oldest entry goes first beyond that. */
const MAX_TRACKED = 100_000;

class Limit {
  readonly #bucket: TokenBucket;
  readonly #overflow: TokenBucket;

  constructor(rate: Rate, floodFactor: number, now: () => number) {
    this.#bucket = new TokenBucket(rate, now);
    const burst = (rate.burst ?? rate.perSecond) * floodFactor;
    this.#overflow = new TokenBucket({ perSecond: rate.perSecond * floodFactor, burst }, now);
  }

  check(cost: number): Verdict {
    if (this.#bucket.take(cost)) return 'ok';
    return this.#overflow.take(cost) ? 'limited' : 'flood';
  }

  get idle(): boolean {
    return this.#bucket.full && this.#overflow.full;
  }
}

type Kind = keyof ResolvedScope;

class ScopeLimiter {
  readonly #limits: Partial<Record<Kind, Limit>> = {};

  constructor(scope: ResolvedScope, floodFactor: number, now: () => number) {
    for (const kind of ['commands', 'publishes', 'bytes'] as const) {
      const rate = scope[kind];
      if (rate) this.#limits[kind] = new Limit(rate, floodFactor, now);
    }
  }

  check(kind: Kind, cost: number): Verdict {
    return this.#limits[kind]?.check(cost) ?? 'ok';
  }

  get idle(): boolean {
    return Object.values(this.#limits).every((limit) => limit.idle);
  }
}

/** A map of limiters by key that forgets idle entries. */
class Tracked<T extends { idle: boolean }> {
  readonly #entries = new Map<string, T>();
  readonly #create: () => T;
  readonly #now: () => number;
  #sweptAt: number;

  constructor(create: () => T, now: () => number) {
    this.#create = create;
    this.#now = now;
    this.#sweptAt = now();
  }

  get(key: string): T {
    this.#sweep();
    let entry = this.#entries.get(key);
    if (!entry) {
      if (this.#entries.size >= MAX_TRACKED) this.#entries.delete(this.#entries.keys().next().value as string);
      entry = this.#create();
      this.#entries.set(key, entry);
    }
    return entry;
  }

  get size(): number {
    return this.#entries.size;
  }

  #sweep(): void {
    const now = this.#now();
    if (now - this.#sweptAt < SWEEP_INTERVAL_MS) return;
    this.#sweptAt = now;
    for (const [key, entry] of this.#entries) if (entry.idle) this.#entries.delete(key);
  }
}

/** Limits of one connection. Created by RateLimiter.forConnection(). */
export class ConnectionLimiter {
  readonly #node: RateLimiter;
  readonly #own: ScopeLimiter;
  /** Created on the first publish in a namespace with its own rate. */
  #publishByNamespace: Map<string, Limit> | undefined;
  #pendingRpcs = 0;

  constructor(node: RateLimiter, own: ScopeLimiter) {
    this.#node = node;
    this.#own = own;
  }

  get limits(): ResolvedLimits {
    return this.#node.limits;
  }

  /** One inbound command of `user` ('' when anonymous or not connected yet). */
  command(user: string): Verdict {
    return this.#node.count('commands', this.#own.check('commands', 1), user, 1);
  }

  /** One inbound transport message of `bytes`. */
  bytes(user: string, bytes: number): Verdict {
    return this.#node.count('bytes', this.#own.check('bytes', bytes), user, bytes);
  }

  /** One publish on a channel of `namespace`, whose own rate (per connection) is `namespaceRate`. */
  publish(user: string, namespace: string, namespaceRate: Rate | undefined): Verdict {
    const own = this.#own.check('publishes', 1);
    if (own === 'ok' && namespaceRate) {
      const limits = (this.#publishByNamespace ??= new Map());
      let limit = limits.get(namespace);
      if (!limit) {
        limit = new Limit(namespaceRate, this.#node.limits.floodFactor, this.#node.now);
        limits.set(namespace, limit);
      }
      const verdict = limit.check(1);
      if (verdict !== 'ok') {
        this.#node.metrics.limited('namespace.publishes');
        return verdict;
      }
    }
    return this.#node.count('publishes', own, user, 1);
  }

  /** Starts an RPC; false when maxPendingRpcs are already running. Call `rpcEnded` after. */
  rpcStarted(): boolean {
    if (this.#pendingRpcs >= this.#node.limits.maxPendingRpcs) {
      this.#node.metrics.limited('connection.pendingRpcs');
      return false;
    }
    this.#pendingRpcs++;
    return true;
  }

  rpcEnded(): void {
    this.#pendingRpcs--;
  }
}

export class RateLimiter {
  readonly limits: ResolvedLimits;
  readonly metrics: Metrics;
  readonly now: () => number;
  readonly #users: Tracked<ScopeLimiter>;
  readonly #ips: Tracked<Limit> | undefined;

  constructor(limits: ResolvedLimits, metrics: Metrics, now: () => number = Date.now) {
    this.limits = limits;
    this.metrics = metrics;
    this.now = now;
    this.#users = new Tracked(() => new ScopeLimiter(limits.perUser, limits.floodFactor, now), now);
    const perIp = limits.perIpConnections;
    this.#ips = perIp && new Tracked(() => new Limit(perIp, 1, now), now);
  }

  forConnection(): ConnectionLimiter {
    return new ConnectionLimiter(this, new ScopeLimiter(this.limits.perConnection, this.limits.floodFactor, this.now));
  }

  /** A WebSocket upgrade from `address`: false when the address is over its rate (HTTP 429). */
  admitConnection(address: string | undefined): boolean {
    if (!this.#ips || address === undefined) return true;
    if (this.#ips.get(address).check(1) === 'ok') return true;
    this.metrics.limited('ip.connections');
    return false;
  }

  /** Users tracked now (for tests and stats). */
  get trackedUsers(): number {
    return this.#users.size;
  }

  /** @internal Applies the user's limit after the connection's, and counts refusals. */
  count(kind: Kind, own: Verdict, user: string, cost: number): Verdict {
    if (own !== 'ok') {
      this.metrics.limited(`connection.${kind}`);
      return own;
    }
    if (user === '' || !this.limits.perUser[kind]) return 'ok';
    const verdict = this.#users.get(user).check(kind, cost);
    if (verdict !== 'ok') this.metrics.limited(`user.${kind}`);
    return verdict;
  }
}

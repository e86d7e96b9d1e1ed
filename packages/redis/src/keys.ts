/**
 * @module keys
 * Names of everything relais keeps in Redis, under one prefix.
 *
 * Channel names may contain `:` (the namespace separator), so a name that is followed by
 * another part is preceded by its length: `relais:idem:4:chat:k1` cannot be confused with
 * channel `chat:k` and key `1`.
 */
export class RedisKeys {
  readonly prefix: string;
  readonly #pubsub: string;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.#pubsub = `${prefix}:pub:`;
  }

  /** The Redis pub/sub channel carrying a relais channel's publications. */
  pubsub(channel: string): string {
    return this.#pubsub + channel;
  }

  /** The relais channel of a Redis pub/sub channel, or undefined when it is not one of ours. */
  channelOf(redisChannel: string): string | undefined {
    return redisChannel.startsWith(this.#pubsub) ? redisChannel.slice(this.#pubsub.length) : undefined;
  }

  /** The Redis stream keeping a channel's recent publications (entry ids are `<offset>-0`). */
  stream(channel: string): string {
    return `${this.prefix}:stream:${channel}`;
  }

  /** A hash with the channel stream's `epoch` and `top` (latest offset). */
  meta(channel: string): string {
    return `${this.prefix}:meta:${channel}`;
  }

  /** A hash of the channel's presence entries: client id → MessagePack ClientInfo. */
  presence(channel: string): string {
    return `${this.prefix}:pres:${channel}`;
  }

  /** A sorted set of the channel's presence entries: client id scored by expiry time (ms). */
  presenceExpiry(channel: string): string {
    return `${this.prefix}:pexp:${channel}`;
  }

  /** Remembers the result of an idempotent publish. */
  idempotency(channel: string, key: string): string {
    return `${this.prefix}:idem:${channel.length}:${channel}:${key}`;
  }

  /** The idempotency keys one connection created on this shard, oldest first (a list). */
  idempotencyOwner(client: string): string {
    return `${this.prefix}:idown:${client}`;
  }

  /** The Redis channel of control messages to every node, or to node `nodeId`. */
  control(nodeId?: string): string {
    return nodeId === undefined ? `${this.prefix}:ctl` : `${this.prefix}:ctl:${nodeId}`;
  }
}

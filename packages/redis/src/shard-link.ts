/**
 * @module shard-link
 * The node's link to one Redis shard: a command connection (publishes, scripts, pipelined)
 * and a subscriber connection (one SUBSCRIBE per channel), both reconnecting by themselves.
 *
 * Neither connection queues commands while Redis is unreachable: a publish then fails at once
 * (the broker turns it into ReplyError 115) instead of waiting in a queue whose fate the client
 * cannot know. When the subscriber connection comes back, the link subscribes again to every
 * channel and reports them as interrupted, since publications may have been missed meanwhile.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@relais/server';
import { redactUrl } from './options.js';

/** Channels per SUBSCRIBE command when restoring subscriptions. */
const RESUBSCRIBE_BATCH = 500;

export interface ShardLinkOptions {
  url: string;
  index: number;
  commandTimeoutMs: number;
  connectTimeoutMs: number;
  maxReconnectDelayMs: number;
  logger: Logger;
  /** A message on a subscribed Redis channel. */
  onMessage(redisChannel: string, message: Buffer): void;
  /** Subscriptions were restored after the subscriber connection was lost. */
  onInterrupted(redisChannels: string[]): void;
}

export class ShardLink {
  readonly command: Redis;
  readonly subscriber: Redis;
  readonly #options: ShardLinkOptions;
  readonly #where: { shard: number; url: string };
  /** Redis channels this node wants, whether or not Redis currently knows it. */
  readonly #channels = new Set<string>();
  #subscriberWasReady = false;
  /** The subscriber connection was lost and its subscriptions are not restored yet. */
  #lost = false;
  #closed = false;
  /** The latest connection error, which says more than "Connection is closed". */
  #lastError: Error | undefined;

  constructor(options: ShardLinkOptions) {
    this.#options = options;
    this.#where = { shard: options.index, url: redactUrl(options.url) };
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      // Commands in flight when the connection drops fail at once (they may or may not have
      // run): resending them could publish twice.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: options.commandTimeoutMs,
      connectTimeout: options.connectTimeoutMs,
      retryStrategy: (attempt) => Math.min(attempt * 100, options.maxReconnectDelayMs),
    };
    this.command = new Redis(options.url, { ...common, enableAutoPipelining: true, connectionName: 'relais' });
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: false, connectionName: 'relais-sub' });
    this.#watch(this.command, 'command');
    this.#watch(this.subscriber, 'subscriber');
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      const name = channel.toString('utf8');
      if (this.#channels.has(name)) options.onMessage(name, message);
    });
    this.subscriber.on('close', () => {
      if (this.#subscriberWasReady) this.#lost = true;
    });
    this.subscriber.on('ready', () => {
      this.#subscriberWasReady = true;
      void this.#restore();
    });
  }

  /** Whether both connections are up now. */
  get reachable(): boolean {
    return this.command.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Connects both connections; rejects when either cannot reach Redis in time. */
  async connect(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#options.connectTimeoutMs} ms`)), this.#options.connectTimeoutMs);
    });
    try {
      await Promise.race([Promise.all([this.command.connect(), this.subscriber.connect()]), timeout]);
    } catch (error) {
      throw this.#lastError ?? error;
    } finally {
      clearTimeout(timer);
    }
  }

  async subscribe(redisChannel: string): Promise<void> {
    if (this.#channels.has(redisChannel)) return;
    this.#channels.add(redisChannel);
    try {
      await this.subscriber.subscribe(redisChannel);
    } catch (error) {
      this.#channels.delete(redisChannel);
      throw error;
    }
  }

  /** Never fails: a lost connection dropped the Redis subscription anyway. */
  async unsubscribe(redisChannel: string): Promise<void> {
    if (!this.#channels.delete(redisChannel)) return;
    if (this.subscriber.status !== 'ready') return;
    await this.subscriber.unsubscribe(redisChannel).catch(() => {});
  }

  /**
   * Resolves once every message Redis accepted before the call reached this node: a PING on
   * the subscriber connection is answered after the messages already queued for it.
   */
  async settle(): Promise<void> {
    await this.subscriber.ping();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    await Promise.all([this.command, this.subscriber].map((redis) => closeConnection(redis)));
  }

  async #restore(): Promise<void> {
    if (!this.#lost || this.#closed) return;
    const channels = [...this.#channels];
    try {
      for (let i = 0; i < channels.length; i += RESUBSCRIBE_BATCH) {
        await this.subscriber.subscribe(...channels.slice(i, i + RESUBSCRIBE_BATCH));
      }
    } catch (error) {
      this.#options.logger.warn({ ...this.#where, err: error }, 'redis: restoring subscriptions failed; reconnecting');
      // A new connection gets a new 'ready', which retries.
      if (this.subscriber.status === 'ready') this.subscriber.disconnect(true);
      return;
    }
    this.#lost = false;
    const still = channels.filter((channel) => this.#channels.has(channel));
    this.#options.logger.info({ ...this.#where, channels: still.length }, 'redis: subscriptions restored');
    this.#options.onInterrupted(still);
  }

  #watch(redis: Redis, role: string): void {
    let up = false;
    let wasUp = false;
    redis.on('ready', () => {
      if (wasUp) this.#options.logger.info({ ...this.#where, role }, 'redis: reconnected');
      up = wasUp = true;
    });
    redis.on('close', () => {
      if (up && !this.#closed) this.#options.logger.warn({ ...this.#where, role }, 'redis: connection lost; reconnecting');
      up = false;
    });
    // Without a listener ioredis prints every failed reconnection attempt to the console.
    redis.on('error', (error: Error) => {
      this.#lastError = error;
      this.#options.logger.debug({ ...this.#where, role, err: error }, 'redis: connection error');
    });
  }
}

/** Quits `redis` politely when it is up, then drops it. */
export async function closeConnection(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => {});
  redis.disconnect();
}

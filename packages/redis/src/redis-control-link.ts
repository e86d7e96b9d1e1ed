/**
 * @module redis-control-link
 * The Redis engine's ControlLink: control messages between nodes over Redis pub/sub on the
 * first shard (`<prefix>:ctl` for every node, `<prefix>:ctl:<node id>` for one). It has its
 * own two connections, so control traffic never waits behind publications.
 */
import { Redis } from 'ioredis';
import type { ControlLink, Logger } from '@relais/server';
import { closeConnection } from './shard-link.js';
import { RedisKeys } from './keys.js';
import { redactUrl } from './options.js';

export interface RedisControlLinkOptions {
  url: string;
  prefix: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxReconnectDelayMs: number;
  logger: Logger;
}

export class RedisControlLink implements ControlLink {
  readonly #options: RedisControlLinkOptions;
  readonly #keys: RedisKeys;
  #publisher: Redis | undefined;
  #subscriber: Redis | undefined;
  #closed = false;

  constructor(options: RedisControlLinkOptions) {
    this.#options = options;
    this.#keys = new RedisKeys(options.prefix);
  }

  async start(nodeId: string, onMessage: (message: string) => void): Promise<void> {
    if (this.#closed) throw new Error('RedisControlLink is closed');
    if (this.#subscriber) throw new Error('RedisControlLink already started');
    const { url, connectTimeoutMs, commandTimeoutMs, maxReconnectDelayMs, logger } = this.#options;
    const common = {
      lazyConnect: true,
      // A control message sent while Redis is away fails at once: its request times out instead.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: connectTimeoutMs,
      commandTimeout: commandTimeoutMs,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, maxReconnectDelayMs),
    };
    const publisher = new Redis(url, { ...common, connectionName: 'relais-ctl' });
    const subscriber = new Redis(url, { ...common, connectionName: 'relais-ctl-sub' });
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    for (const redis of [publisher, subscriber])
      redis.on('error', (error: Error) => logger.debug({ url: redactUrl(url), err: error }, 'redis control link: connection error'));
    const channels = [this.#keys.control(), this.#keys.control(nodeId)];
    subscriber.on('message', (channel: string, message: string) => {
      if (channels.includes(channel)) onMessage(message);
    });
    try {
      await Promise.all([publisher.connect(), subscriber.connect()]);
      await subscriber.subscribe(...channels);
    } catch (error) {
      await this.close();
      throw new Error(`RedisControlLink: cannot connect to ${redactUrl(url)}: ${(error as Error).message}`, { cause: error });
    }
  }

  async send(to: string | undefined, message: string): Promise<void> {
    if (this.#closed || !this.#publisher) throw new Error('RedisControlLink is not running');
    await this.#publisher.publish(this.#keys.control(to), message);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#publisher, this.#subscriber].map((redis) => redis && closeConnection(redis)));
  }
}

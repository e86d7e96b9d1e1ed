/**
 * @module redis-broker
 * RedisBroker: the Broker role over Redis pub/sub, channels sharded over N Redis instances.
 */
import { randomBytes } from 'node:crypto';
import type { ClientInfo, PublishResult } from '@relais/protocol';
import type { ControlLink } from '@relais/server';
import {
  DEFAULT_IDEMPOTENCY_TTL_MS,
  encodePublicationBody,
  silentLogger,
  type Broker,
  type BrokerEventHandler,
  type BrokerPublishOptions,
  type HistoryQuery,
  type HistoryResult,
  type Logger,
  type Publication,
  type RpcReplyStore,
} from '@relais/server';
import { engineUnavailable, toEngineError } from './errors.js';
import { RedisKeys } from './keys.js';
import { redactUrl, resolveRedisBrokerOptions, type RedisBrokerOptions, type ResolvedRedisBrokerOptions } from './options.js';
import { PUBLISH_HISTORY, PUBLISH_ONCE, READ_HISTORY, runScript } from './scripts.js';
import { RedisControlLink } from './redis-control-link.js';
import { RedisRpcReplyStore } from './redis-rpc-replies.js';
import { ShardLink } from './shard-link.js';
import { shardOf } from './shard.js';
import { decodeMessage, encodeJoinLeave, type WireMessage } from './wire.js';

/** A new random epoch (used only when Redis has none for the channel). */
function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}

type BrokerState = 'new' | 'starting' | 'running' | 'closed';

/**
 * Several relais nodes on the same Redis (or the same list of Redis shards) behave as one
 * server. Each channel lives on one shard, chosen by a stable hash of its name; a node holds
 * one Redis subscription per channel with local subscribers. Idempotency keys live on the
 * channel's shard, so a retry that lands on another node is still delivered once.
 *
 * While a shard is unreachable, publishes and subscribes on its channels reject with
 * ReplyError 115 (temporary); once it is back, subscriptions are restored and the node is told
 * (`handleInterruption`) which channels may have missed publications.
 *
 * @example
 * const relais = createRelais({
 *   engine: { broker: new RedisBroker({ urls: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] }) },
 * });
 */
export class RedisBroker implements Broker {
  readonly options: ResolvedRedisBrokerOptions;
  readonly #keys: RedisKeys;
  readonly #logger: Logger;
  #links: ShardLink[] = [];
  #handler: BrokerEventHandler | undefined;
  #state: BrokerState = 'new';

  /** Throws OptionsError naming the first invalid option. */
  constructor(options: RedisBrokerOptions) {
    this.options = resolveRedisBrokerOptions(options);
    this.#keys = new RedisKeys(this.options.prefix);
    this.#logger = this.options.logger ?? silentLogger;
  }

  /** Number of Redis shards. */
  get shardCount(): number {
    return this.options.urls.length;
  }

  /** The index (in `urls`) of the shard that owns `channel`. */
  shardOf(channel: string): number {
    return shardOf(channel, this.shardCount);
  }

  /** Whether every shard is reachable now (both of its connections up): the node's `/ready`. */
  reachable(): boolean {
    return this.#state === 'running' && this.#links.every((link) => link.reachable);
  }

  /** Connects to every shard; rejects (and releases every connection) when one is unreachable. */
  async start(handler: BrokerEventHandler): Promise<void> {
    if (this.#state === 'closed') throw new Error('RedisBroker is closed');
    if (this.#state !== 'new') throw new Error('RedisBroker already started');
    this.#state = 'starting';
    this.#handler = handler;
    this.#links = this.options.urls.map(
      (url, index) =>
        new ShardLink({
          url,
          index,
          commandTimeoutMs: this.options.commandTimeoutMs,
          connectTimeoutMs: this.options.connectTimeoutMs,
          maxReconnectDelayMs: this.options.maxReconnectDelayMs,
          logger: this.#logger,
          onMessage: (redisChannel, message) => this.#receive(redisChannel, message),
          onInterrupted: (redisChannels) => this.#interrupted(redisChannels),
        }),
    );
    const results = await Promise.allSettled(this.#links.map((link) => link.connect()));
    const failed = results.findIndex((result) => result.status === 'rejected');
    if (failed !== -1) {
      const cause = (results[failed] as PromiseRejectedResult).reason as Error;
      await this.close();
      throw new Error(`RedisBroker: cannot connect to ${redactUrl(this.options.urls[failed] as string)}: ${cause.message}`, { cause });
    }
    if (this.#state === 'starting') this.#state = 'running';
  }

  /**
   * Without `history`: PUBLISH (or, with an idempotency key, a script that publishes once per
   * key). With `history`: one script numbers, stores, trims (by size, TTL and bytes) and
   * publishes atomically on the channel's shard. Rejects with 115 when the shard is
   * unreachable, and with TypeError when the data cannot be encoded.
   */
  async publish(pub: Publication, options: BrokerPublishOptions): Promise<PublishResult> {
    const link = this.#link(pub.channel);
    const body = encodePublicationBody(pub);
    const redisChannel = this.#keys.pubsub(pub.channel);
    const idempotencyTtlMs = options.idempotencyTtlMs ?? DEFAULT_IDEMPOTENCY_TTL_MS;
    try {
      if (options.history) {
        const { size, ttlMs, maxBytes } = options.history;
        const keys = [this.#keys.stream(pub.channel), this.#keys.meta(pub.channel)];
        if (options.idempotencyKey !== undefined)
          keys.push(this.#keys.idempotency(pub.channel, options.idempotencyKey), ...this.#ownerKeys(options));
        const args = [
          redisChannel,
          Buffer.from(body),
          size,
          ttlMs,
          this.options.historyMetaTtlMs,
          newEpoch(),
          idempotencyTtlMs,
          maxBytes ?? '',
          options.idempotencyOwner?.maxKeys ?? '',
        ];
        const reply = await runScript(link.command, PUBLISH_HISTORY, keys, args);
        if (typeof reply === 'string') return JSON.parse(reply) as PublishResult;
        const [offset, epoch] = reply as [number, string];
        return { offset, epoch };
      }
      const payload = Buffer.concat([Buffer.from('p|||'), body]);
      if (options.idempotencyKey === undefined) {
        await link.command.publish(redisChannel, payload);
        return {};
      }
      const key = this.#keys.idempotency(pub.channel, options.idempotencyKey);
      const ownerKeys = this.#ownerKeys(options);
      const previous = await runScript(
        link.command,
        PUBLISH_ONCE,
        [key, ...ownerKeys],
        [redisChannel, payload, idempotencyTtlMs, '{}', options.idempotencyOwner?.maxKeys ?? ''],
      );
      return typeof previous === 'string' ? (JSON.parse(previous) as PublishResult) : {};
    } catch (error) {
      throw toEngineError(error);
    }
  }

  /** The key list of the connection that published with an idempotency key, if it is known. */
  #ownerKeys(options: BrokerPublishOptions): string[] {
    return options.idempotencyOwner ? [this.#keys.idempotencyOwner(options.idempotencyOwner.id)] : [];
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    const link = this.#link(channel);
    const { since, limit, reverse = false } = query;
    const args = [
      newEpoch(),
      this.options.historyMetaTtlMs,
      since === undefined ? '' : since.offset,
      since === undefined ? '' : since.epoch,
      limit === undefined ? '' : limit,
      reverse ? '1' : '0',
    ];
    let reply: unknown;
    try {
      reply = await runScript(link.command, READ_HISTORY, [this.#keys.stream(channel), this.#keys.meta(channel)], args, { buffers: true });
    } catch (error) {
      throw toEngineError(error);
    }
    const [top, epoch, ...messages] = reply as [number, Buffer, ...Buffer[]];
    const publications: Publication[] = [];
    for (const message of messages) {
      let decoded: WireMessage;
      try {
        decoded = decodeMessage(message);
      } catch (error) {
        // One entry no decoder reads (a `__proto__` key kept by a version that did not check
        // data at publish) must not make the channel's whole history unreadable.
        this.#logger.warn({ err: error, channel }, 'redis: skipped a history entry that is not a readable relais publication');
        continue;
      }
      if (decoded.type === 'publication') publications.push({ ...decoded.pub, channel });
    }
    return { publications, position: { offset: Number(top), epoch: epoch.toString('utf8') } };
  }

  async removeHistory(channel: string): Promise<void> {
    const link = this.#link(channel);
    try {
      await link.command.del(this.#keys.stream(channel));
    } catch (error) {
      throw toEngineError(error);
    }
  }

  publishJoin(channel: string, info: ClientInfo): Promise<void> {
    return this.#publishJoinLeave('join', channel, info);
  }

  publishLeave(channel: string, info: ClientInfo): Promise<void> {
    return this.#publishJoinLeave('leave', channel, info);
  }

  async #publishJoinLeave(type: 'join' | 'leave', channel: string, info: ClientInfo): Promise<void> {
    const link = this.#link(channel);
    try {
      await link.command.publish(this.#keys.pubsub(channel), encodeJoinLeave(type, info));
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async subscribe(channel: string): Promise<void> {
    const link = this.#link(channel);
    try {
      await link.subscribe(this.#keys.pubsub(channel));
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async unsubscribe(channel: string): Promise<void> {
    await this.#link(channel).unsubscribe(this.#keys.pubsub(channel));
  }

  /**
   * Resolves once every publication Redis accepted before this call was handed to the
   * handler (for tests and benchmarks). Rejects with 115 when a shard is unreachable.
   */
  async settle(): Promise<void> {
    this.#check();
    try {
      await Promise.all(this.#links.map((link) => link.settle()));
    } catch (error) {
      throw toEngineError(error);
    }
  }

  /**
   * The replies of keyed RPCs, each on the shard its key hashes to (as a channel name would):
   * a repeat on any node of the cluster gets the first call's reply.
   */
  rpcReplies(): RpcReplyStore {
    return new RedisRpcReplyStore((key) => this.#link(key).command, this.options.prefix);
  }

  /** A control link over pub/sub on the first shard, with connections of its own. */
  controlLink(): ControlLink {
    const { urls, prefix, connectTimeoutMs, commandTimeoutMs, maxReconnectDelayMs } = this.options;
    return new RedisControlLink({
      url: urls[0] as string,
      prefix,
      connectTimeoutMs,
      commandTimeoutMs,
      maxReconnectDelayMs,
      logger: this.#logger,
    });
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    const links = this.#links;
    this.#links = [];
    await Promise.all(links.map((link) => link.close()));
  }

  #check(): void {
    if (this.#state === 'closed') throw new Error('RedisBroker is closed');
    if (this.#state !== 'running') throw new Error('RedisBroker not started');
  }

  #link(channel: string): ShardLink {
    this.#check();
    const link = this.#links[this.shardOf(channel)];
    if (!link) throw engineUnavailable();
    return link;
  }

  #receive(redisChannel: string, message: Buffer): void {
    const channel = this.#keys.channelOf(redisChannel);
    if (channel === undefined || !this.#handler) return;
    let decoded;
    try {
      decoded = decodeMessage(message);
    } catch (error) {
      // Something else published on our channel: drop it, never crash the node.
      this.#logger.warn({ err: error, channel }, 'redis: dropped a message that is not a relais publication');
      return;
    }
    if (decoded.type === 'publication') this.#handler.handlePublication({ ...decoded.pub, channel });
    else if (decoded.type === 'join') this.#handler.handleJoin(channel, decoded.info);
    else this.#handler.handleLeave(channel, decoded.info);
  }

  #interrupted(redisChannels: readonly string[]): void {
    const channels = redisChannels.map((name) => this.#keys.channelOf(name)).filter((name) => name !== undefined);
    if (channels.length > 0) this.#handler?.handleInterruption?.(channels);
  }
}

/**
 * @module subscription
 * One channel subscription and its state machine: 'subscribing' -> 'subscribed' ->
 * 'unsubscribed', back to 'subscribing' while the client reconnects. Owns the position used to
 * recover missed publications on channels with history.
 */
import {
  ERROR_CODES,
  type ClientInfo,
  type CommandParamsMap,
  type HistoryParams,
  type PresenceStatsResult,
  type PublishResult,
  type ResultMap,
  type StreamPosition,
  type SubscribeParams,
  type SubscribeResult,
} from '@relais/protocol';
import { Emitter, type Disposer, type Listener } from './emitter.js';
import { StreamTracker } from './stream-tracker.js';
import { RelaisError, ServerError, TimeoutError, TokenError } from './errors.js';
import { Timeout, type Timers } from './timer.js';

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

/** A publication delivered to a subscription. */
export interface Publication<T = unknown> {
  channel: string;
  data: T;
  event?: string;
  /** Position in the channel's stream (namespaces with history; never on ephemeral ones). */
  offset?: number;
  /** Epoch of `offset`, on live publications. */
  epoch?: string;
  /** Who published, for publications from clients. */
  info?: ClientInfo;
}

export interface HistoryOptions {
  /** At most this many publications; 0 returns only the current position. @default all kept */
  limit?: number;
  /** Only publications after this position (none when its epoch is not the stream's). */
  since?: StreamPosition;
  /** Newest first. @default false */
  reverse?: boolean;
  /** Per-call timeout, offline wait included, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
}

export interface HistoryPage<T = unknown> {
  publications: Publication<T>[];
  /** The stream's current position: offset of its latest publication (0 if none). */
  offset: number;
  epoch: string;
}

/** Payload of a subscription's `state` event. */
export interface SubscriptionStateChange {
  state: SubscriptionState;
  previous: SubscriptionState;
  /** Server unsubscribe code (from an `unsubscribe` push). */
  code?: number;
  reason?: string;
  error?: RelaisError;
  /** On 'subscribed' after a resubscribe that asked for recovery. */
  recovered?: boolean;
}

export interface SubscriptionEvents<T> {
  state: SubscriptionStateChange;
  publication: Publication<T>;
  error: RelaisError;
  join: ClientInfo;
  leave: ClientInfo;
}

export interface SubscribeOptions {
  /** Application data for the server's onSubscribe hook. */
  data?: unknown;
  /** Subscription token for private channels. */
  token?: string;
  /** Returns a fresh subscription token; called when the server replies 109 (token expired). */
  getToken?: (channel: string) => string | Promise<string>;
  /** Ask the server for join/leave pushes (namespaces with joinLeave). @default false */
  joinLeave?: boolean;
  /**
   * After a reconnect, ask for the publications missed since the last one received (namespaces
   * with history); the 'subscribed' state change then carries `recovered`. @default true
   */
  recover?: boolean;
  /** Timeout of each subscribe command, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
}

export interface PublishOptions {
  /** Event name inside the channel (`message`, `typing`, …). */
  event?: string;
  /** Do not deliver the publication back to this connection. @default false */
  excludeSelf?: boolean;
  /**
   * Deliver live only (typing indicators, cursors): never stored, never given an offset, never
   * recovered. Sent only on a live connection: never queued offline, never resent.
   * @default false
   */
  ephemeral?: boolean;
  /** Per-call timeout, offline wait included, in ms. @default the client's timeoutMs */
  timeoutMs?: number;
}

/** What a Subscription needs from its client. */
export interface SubscriptionHost {
  readonly timers: Timers;
  isConnected(): boolean;
  backoff(attempt: number): number;
  subscribeCommand(params: SubscribeParams, timeoutMs: number | undefined): Promise<SubscribeResult>;
  unsubscribeCommand(channel: string): void;
  publish(channel: string, data: unknown, options: PublishOptions): Promise<PublishResult>;
  /** A read command (history, presence): queued offline, resent after a dropped connection. */
  read<M extends 'history' | 'presence' | 'presence_stats'>(method: M, params: CommandParamsMap[M], timeoutMs: number | undefined): Promise<ResultMap[M]>;
  attach(subscription: Subscription): void;
  detach(subscription: Subscription): void;
  log(message: string, ...details: unknown[]): void;
  listenerError(error: unknown, event: string): void;
}

export class Subscription<T = unknown> {
  readonly channel: string;
  /** True for subscriptions the server made (subscribe push, connect result `channels`). */
  readonly serverSide: boolean;
  readonly #host: SubscriptionHost;
  readonly #options: SubscribeOptions;
  readonly #emitter: Emitter<SubscriptionEvents<T>>;
  readonly #retryTimer: Timeout;
  #state: SubscriptionState = 'unsubscribed';
  #token: string | undefined;
  #data: unknown;
  readonly #stream = new StreamTracker();
  /** Publications that arrived while a subscribe reply was being handled. */
  #pending: Publication<T>[] = [];
  #generation = 0;
  #attempt = 0;

  /** @internal Created by `client.subscribe()`; do not construct directly. */
  constructor(host: SubscriptionHost, channel: string, options: SubscribeOptions = {}, serverSide = false) {
    this.#host = host;
    this.channel = channel;
    this.serverSide = serverSide;
    this.#options = options;
    this.#token = options.token;
    this.#retryTimer = new Timeout(host.timers);
    this.#emitter = new Emitter((error, event) => host.listenerError(error, String(event)));
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  /** Data returned by the server's onSubscribe hook, once subscribed. */
  get data(): unknown {
    return this.#data;
  }

  /** The last stream position received (namespaces with history), used to recover. */
  get position(): StreamPosition | undefined {
    return this.#stream.position;
  }

  /** Registers a listener; returns its disposer. */
  on<K extends keyof SubscriptionEvents<T>>(event: K, listener: Listener<SubscriptionEvents<T>[K]>): Disposer {
    return this.#emitter.on(event, listener);
  }

  /**
   * Publishes to this channel (being subscribed is not required). Resolves when the server has
   * accepted the publication; carries an idempotency key kept across retries.
   * @example await sub.publish({ text: 'hi' }, { event: 'message' })
   */
  publish(data: T, options: PublishOptions = {}): Promise<PublishResult> {
    return this.#host.publish(this.channel, data, options);
  }

  /**
   * Reads the channel's history (namespaces with history; the server answers 113 unless this
   * subscription is active there). Publications come oldest first unless `reverse`.
   * @example const { publications } = await sub.history({ limit: 50, reverse: true });
   */
  async history(options: HistoryOptions = {}): Promise<HistoryPage<T>> {
    const params: HistoryParams = { channel: this.channel };
    if (options.limit !== undefined) params.limit = options.limit;
    if (options.since !== undefined) params.since = { offset: options.since.offset, epoch: options.since.epoch };
    if (options.reverse !== undefined) params.reverse = options.reverse;
    const result = await this.#host.read('history', params, options.timeoutMs);
    const publications = result.publications.map((pub) => ({ ...pub, channel: this.channel }) as Publication<T>);
    return { publications, offset: result.offset, epoch: result.epoch };
  }

  /** Who is subscribed to the channel across the cluster, by client id (namespaces with presence). */
  async presence(options: { timeoutMs?: number } = {}): Promise<Record<string, ClientInfo>> {
    return (await this.#host.read('presence', { channel: this.channel }, options.timeoutMs)).clients;
  }

  /** How many clients and distinct users are subscribed (namespaces with presence). */
  async presenceStats(options: { timeoutMs?: number } = {}): Promise<PresenceStatsResult> {
    const { clients, users } = await this.#host.read('presence_stats', { channel: this.channel }, options.timeoutMs);
    return { clients, users };
  }

  /** Starts (again) subscribing. Does nothing unless 'unsubscribed'. */
  subscribe(): void {
    if (this.#state !== 'unsubscribed') return;
    this.#host.attach(this as unknown as Subscription);
    this.#setState({ state: 'subscribing' });
    if (this.#host.isConnected()) void this.handleConnected();
  }

  /** Stops the subscription; the server is told when connected. */
  unsubscribe(): void {
    if (this.#state === 'unsubscribed') return;
    const wasSent = this.#host.isConnected();
    this.#stop({ state: 'unsubscribed', reason: 'unsubscribe called' });
    if (wasSent) this.#host.unsubscribeCommand(this.channel);
  }

  /**
   * @internal The client is connected: send the subscribe command. Resolves when that first
   * attempt has its outcome (retries are not awaited).
   */
  handleConnected(): Promise<void> {
    if (this.#state !== 'subscribing' || this.serverSide) return Promise.resolve();
    return this.#send();
  }

  /** @internal The server subscribed us (subscribe push, or listed in the connect result). */
  handleServerSubscribed(data?: unknown): void {
    this.#data = data;
    if (this.#state !== 'subscribed') this.#setState({ state: 'subscribed' });
  }

  /** @internal The connection dropped: wait for the next one. */
  handleDisconnected(reason: string): void {
    this.#retryTimer.stop();
    this.#generation++;
    this.#pending = [];
    if (this.#state === 'subscribed') this.#setState({ state: 'subscribing', reason });
  }

  /** @internal The server ended the subscription (unsubscribe push). */
  handleServerUnsubscribed(code: number, reason: string): void {
    this.#stop({ state: 'unsubscribed', code, reason });
  }

  /** @internal The client was closed. */
  handleClosed(): void {
    this.#stop({ state: 'unsubscribed', reason: 'client closed' });
  }

  /** @internal */
  handlePublication(publication: Publication<T>): void {
    if (this.#state === 'unsubscribed') return;
    if (this.#state === 'subscribing' && !this.serverSide) {
      // The server sends these right after our subscribe reply, in the same message: the reply's
      // recovered publications must go out first (see #onSubscribed).
      this.#pending.push(publication);
      return;
    }
    if (this.#stream.accept(publication)) this.#emitter.emit('publication', publication);
  }

  /** @internal */
  handlePresence(type: 'join' | 'leave', info: ClientInfo): void {
    this.#emitter.emit(type, info);
  }

  async #send(): Promise<void> {
    const generation = ++this.#generation;
    const params: SubscribeParams = { channel: this.channel };
    if (this.#options.data !== undefined) params.data = this.#options.data;
    if (this.#token !== undefined) params.token = this.#token;
    if (this.#options.joinLeave) params.joinLeave = true;
    const position = this.#stream.position;
    if (position && this.#options.recover !== false) params.since = position;
    try {
      const result = await this.#host.subscribeCommand(params, this.#options.timeoutMs);
      if (generation === this.#generation) this.#onSubscribed(result, params.since !== undefined);
    } catch (error) {
      if (generation === this.#generation) await this.#onFailed(error, generation);
    }
  }

  #onSubscribed(result: SubscribeResult, askedRecovery: boolean): void {
    this.#attempt = 0;
    this.#data = result.data;
    this.#stream.subscribed(result);
    const change: Omit<SubscriptionStateChange, 'previous'> = { state: 'subscribed' };
    if (askedRecovery) change.recovered = result.recovered === true;
    const pending = this.#pending;
    this.#pending = [];
    this.#setState(change);
    // Recovered publications (up to the reply's offset), then live ones past it: each once.
    for (const pub of result.publications ?? []) {
      if (this.#state !== 'subscribed') return;
      this.#emitter.emit('publication', { ...pub, channel: this.channel } as Publication<T>);
    }
    for (const pub of pending) this.handlePublication(pub);
  }

  async #onFailed(error: unknown, generation: number): Promise<void> {
    if (!(error instanceof RelaisError) || error.code === 'RELAIS_ERR_CONNECTION_LOST') return;
    this.#emitter.emit('error', error);
    if (error instanceof ServerError && error.serverCode === ERROR_CODES.ALREADY_SUBSCRIBED) {
      const pending = this.#pending;
      this.#pending = [];
      this.#setState({ state: 'subscribed' });
      for (const pub of pending) this.handlePublication(pub);
      return;
    }
    if (error instanceof ServerError && error.serverCode === ERROR_CODES.TOKEN_EXPIRED && this.#options.getToken) {
      if (!(await this.#refreshToken(generation))) return;
      if (this.#attempt++ === 0) return void this.#send();
    } else if (error instanceof ServerError && error.serverCode === ERROR_CODES.UNRECOVERABLE_POSITION) {
      this.#stream.reset(); // Start over from the live stream; `recovered: false` tells the app.
      return void this.#send();
    } else if (!(error instanceof TimeoutError) && !(error instanceof ServerError && error.temporary)) {
      this.#stop({ state: 'unsubscribed', reason: error.message, error });
      return;
    }
    const delayMs = this.#host.backoff(this.#attempt++);
    this.#host.log(`resubscribe ${this.channel} in ${delayMs} ms`);
    this.#retryTimer.start(delayMs, () => {
      if (generation === this.#generation && this.#host.isConnected()) void this.#send();
    });
  }

  async #refreshToken(generation: number): Promise<boolean> {
    try {
      const token = await this.#options.getToken!(this.channel);
      if (typeof token !== 'string') throw new TypeError('getToken must return a string');
      this.#token = token;
      return generation === this.#generation;
    } catch (cause) {
      const error = new TokenError(`subscription token for ${this.channel}: ${String(cause)}`, { cause });
      this.#emitter.emit('error', error);
      this.#stop({ state: 'unsubscribed', reason: error.message, error });
      return false;
    }
  }

  #stop(change: Omit<SubscriptionStateChange, 'previous'>): void {
    this.#retryTimer.stop();
    this.#generation++;
    this.#stream.reset();
    this.#pending = [];
    this.#host.detach(this as unknown as Subscription);
    if (this.#state !== 'unsubscribed') this.#setState(change);
  }

  #setState(change: Omit<SubscriptionStateChange, 'previous'>): void {
    const previous = this.#state;
    this.#state = change.state;
    this.#host.log(`subscription ${this.channel}: ${previous} -> ${change.state}`);
    this.#emitter.emit('state', { ...change, previous });
  }
}

/**
 * @module subscription
 * One channel subscription and its state machine: 'subscribing' -> 'subscribed' ->
 * 'unsubscribed', back to 'subscribing' while the client reconnects. Owns the position used to
 * recover missed publications on channels with history.
 */
import {
  ERROR_CODES,
  type ClientInfo,
  type PresenceStatsResult,
  type PublicationData,
  type PublishResult,
  type StreamPosition,
  type SubscribeParams,
  type SubscribeResult,
} from '@relais/protocol';
import { catchUp, type CatchUpHost } from './catch-up.js';
import { Emitter, type Disposer, type Listener } from './emitter.js';
import { LiveBuffer } from './live-buffer.js';
import { ResumeLoop, type ResumeLoopHost } from './resume.js';
import { StreamTracker } from './stream-tracker.js';
import { ConnectionLostError, RelaisError, ServerError, TimeoutError, TokenError } from './errors.js';
import { TokenRefresher } from './refresh.js';
import type {
  HistoryOptions,
  HistoryPage,
  Publication,
  PublishOptions,
  SubscribeOptions,
  SubscriptionEvents,
  SubscriptionState,
  SubscriptionStateChange,
} from './subscription-types.js';
import type { SubscriptionPort } from './subscription-port.js';
import { readChannelHistory, readPresence, readPresenceStats } from './subscription-reads.js';
import { Timeout } from './timer.js';

export type * from './subscription-types.js';

/** What a Subscription needs from its client (subscription-port.ts). */
export type SubscriptionHost = SubscriptionPort<Subscription>;

export class Subscription<T = unknown> {
  readonly channel: string;
  /** True for subscriptions the server made (subscribe push, connect result `channels`). */
  readonly serverSide: boolean;
  readonly #host: SubscriptionHost;
  readonly #options: SubscribeOptions;
  readonly #emitter: Emitter<SubscriptionEvents<T>>;
  readonly #retryTimer: Timeout;
  readonly #refresher: TokenRefresher;
  #token: string | undefined;
  #state: SubscriptionState = 'unsubscribed';
  #data: unknown;
  readonly #stream = new StreamTracker();
  /** Live publications that arrive before 'subscribed': with the reply, or during a paged recovery. */
  readonly #pending: LiveBuffer<Publication<T>>;
  readonly #resumer = new ResumeLoop();
  #generation = 0;
  #attempt = 0;

  /** @internal Created by `client.subscribe()`; do not construct directly. */
  constructor(host: SubscriptionHost, channel: string, options: SubscribeOptions = {}, serverSide = false) {
    this.#host = host;
    this.channel = channel;
    this.serverSide = serverSide;
    this.#options = options;
    if (options.since) this.#stream.start(options.since);
    this.#retryTimer = new Timeout(host.timers);
    this.#pending = new LiveBuffer(host.maxHeldPublications);
    this.#emitter = new Emitter((error, event) => host.listenerError(error, String(event)));
    this.#token = options.token;
    this.#refresher = new TokenRefresher(host.timers, host.refreshMarginMs, {
      getToken: () => this.#newToken(),
      send: (token) => host.subRefreshCommand(channel, token),
      error: (error) => this.#emitter.emit('error', error),
      log: (message) => host.log(`subscription ${channel}: ${message}`),
    });
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

  /** @internal Live publications held until subscribed (`client.stats().heldPublications`). */
  get heldPublications(): number {
    return this.#pending.held.length;
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
  history(options: HistoryOptions = {}): Promise<HistoryPage<T>> {
    return readChannelHistory<T>(this.#host, this.channel, options);
  }

  /** Who is subscribed to the channel across the cluster, by client id (namespaces with presence). */
  presence(options: { timeoutMs?: number } = {}): Promise<Record<string, ClientInfo>> {
    return readPresence(this.#host, this.channel, options.timeoutMs);
  }

  /** How many clients and distinct users are subscribed (namespaces with presence). */
  presenceStats(options: { timeoutMs?: number } = {}): Promise<PresenceStatsResult> {
    return readPresenceStats(this.#host, this.channel, options.timeoutMs);
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
    this.#refresher.stop();
    this.#generation++;
    this.#pending.take();
    // The resubscribe after the reconnect recovers from the last publication delivered.
    this.#resumer.reset();
    if (this.#state === 'subscribed') this.#setState({ state: 'subscribing', reason });
  }

  /**
   * @internal The server ended the subscription (unsubscribe push). When it did so because the
   * subscription token expired (109) and getToken can renew it, subscribe again with a new one.
   */
  handleServerUnsubscribed(code: number, reason: string): void {
    if (code !== ERROR_CODES.TOKEN_EXPIRED || !this.#options.getToken || this.serverSide || this.#state !== 'subscribed') {
      this.#stop({ state: 'unsubscribed', code, reason });
      return;
    }
    this.#refresher.stop();
    const generation = ++this.#generation;
    this.#setState({ state: 'subscribing', code, reason });
    void this.#refreshToken(generation).then((renewed) => {
      if (renewed && this.#host.isConnected()) void this.#send();
    });
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
    this.#deliver(publication);
  }

  /**
   * @internal The server stopped pushing this channel (its queue overflowed, slowConsumer
   * 'catch-up'): read what was missed with `resume`, then live again. Arriving while the
   * subscribe is still in progress, it is acted on once subscribed.
   */
  handleBehind(): void {
    if (this.#state === 'unsubscribed') return;
    this.#resumer.fellBehind();
    this.#host.log(`subscription ${this.channel}: behind`);
    if (this.#state === 'subscribed') void this.#resume();
  }

  /** @internal */
  handlePresence(type: 'join' | 'leave', info: ClientInfo): void {
    this.#emitter.emit(type, info);
  }

  async #send(): Promise<void> {
    const generation = ++this.#generation;
    // Like the connection token: without a token, getToken provides the first one.
    if (this.#token === undefined && this.#options.getToken && !(await this.#refreshToken(generation))) return;
    const params: SubscribeParams = { channel: this.channel };
    if (this.#options.data !== undefined) params.data = this.#options.data;
    if (this.#token !== undefined) params.token = this.#token;
    if (this.#options.joinLeave) params.joinLeave = true;
    const position = this.#stream.position;
    if (position && this.#options.recover !== false) params.since = position;
    if (params.since && this.#host.pages()) params.paged = true;
    try {
      const result = await this.#host.subscribeCommand(params, this.#options.timeoutMs);
      if (generation === this.#generation) this.#onSubscribed(result, params.since);
    } catch (error) {
      if (generation === this.#generation) await this.#onFailed(error, generation);
    }
  }

  #onSubscribed(result: SubscribeResult, since: StreamPosition | undefined): void {
    this.#attempt = 0;
    if (this.#options.getToken) this.#refresher.schedule(result.expiresInMs);
    this.#data = result.data;
    if (since && result.recovered === true && result.more === true) void this.#catchUp(result, since);
    else this.#ready(result, since && result.recovered === true, result.publications ?? []);
  }

  /**
   * A recovery too large for one reply: its pages are delivered while 'subscribing' (the
   * position moves with each, so a reconnect recovers from there), then 'subscribed' says
   * whether every one came. Live publications wait in #pending meanwhile, at most
   * maxHeldPublications of them: those it lets go of are read from history too.
   */
  async #catchUp(result: SubscribeResult, since: StreamPosition): Promise<void> {
    const generation = this.#generation;
    const current = (): boolean => generation === this.#generation;
    const host: CatchUpHost = {
      current,
      read: (params) =>
        current() ? this.#host.pageCommand(params, this.#options.timeoutMs) : Promise.reject(new ConnectionLostError('history')),
      wait: (attempt) => new Promise((resolve) => this.#retryTimer.start(this.#host.backoff(attempt), resolve)),
      deliver: (pub) => this.#deliver({ ...pub, channel: this.channel } as Publication<T>),
      droppedTo: () => this.#pending.droppedTo,
      // The newest held (or else the last let go of): where the pages reach for.
      newest: () => this.#pending.held.at(-1)?.offset ?? this.#pending.droppedTo,
    };
    this.#pending.bound();
    let recovered = false;
    try {
      const outcome = await catchUp(host, this.channel, result, since);
      if (outcome === 'abandoned') return;
      recovered = outcome === 'recovered';
    } catch (error) {
      if (!current()) return;
      if (error instanceof RelaisError) this.#emitter.emit('error', error);
    }
    this.#ready(result, recovered, []);
  }

  /** Subscribed: `publications` (recovered, up to the reply's offset), then live ones past it. */
  #ready(result: SubscribeResult, recovered: boolean | undefined, publications: readonly PublicationData[]): void {
    this.#stream.subscribed(result);
    const change: Omit<SubscriptionStateChange, 'previous'> = { state: 'subscribed' };
    if (recovered !== undefined) change.recovered = recovered;
    const pending = this.#pending.take();
    this.#setState(change);
    for (const pub of publications) {
      if (this.#state !== 'subscribed') return;
      this.#emitter.emit('publication', { ...pub, channel: this.channel } as Publication<T>);
    }
    for (const pub of pending) this.handlePublication(pub);
    if (this.#resumer.behind && this.#state === 'subscribed') void this.#resume();
  }

  /** Reads what the server did not push (`behind`) with `resume`, until live (ResumeLoop). */
  #resume(): Promise<void> {
    const generation = this.#generation;
    const host: ResumeLoopHost = {
      current: () => generation === this.#generation && this.#state === 'subscribed',
      position: () => this.#stream.position,
      resume: (params) => this.#host.resumeCommand(params, this.#options.timeoutMs),
      wait: (attempt) => new Promise((resolve) => this.#retryTimer.start(this.#host.backoff(attempt), resolve)),
      deliver: (pub) => this.#deliver({ ...pub, channel: this.channel } as Publication<T>),
      error: (error) => this.#emitter.emit('error', error),
      gap: (position) => {
        // What was missed is no longer kept: live from the server's position, and the app is told.
        this.#stream.subscribed({ recoverable: true, ...position });
        this.#setState({ state: 'subscribed', recovered: false, reason: 'fell behind further than the history keeps' });
      },
    };
    return this.#resumer.run(host, this.channel);
  }

  async #onFailed(error: unknown, generation: number): Promise<void> {
    if (!(error instanceof RelaisError) || error.code === 'RELAIS_ERR_CONNECTION_LOST') return;
    this.#emitter.emit('error', error);
    if (error instanceof ServerError && error.serverCode === ERROR_CODES.ALREADY_SUBSCRIBED) {
      const pending = this.#pending.take();
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

  async #newToken(): Promise<string> {
    const token = await this.#options.getToken!(this.channel);
    if (typeof token !== 'string') throw new TokenError(`subscription token for ${this.channel}: getToken must return a string`);
    this.#token = token;
    return token;
  }

  /** A new token from getToken; false when it failed (the subscription then ends) or is stale. */
  async #refreshToken(generation: number): Promise<boolean> {
    try {
      await this.#newToken();
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
    this.#refresher.stop();
    this.#generation++;
    this.#stream.reset();
    this.#pending.take();
    this.#resumer.reset();
    this.#host.detach(this as unknown as Subscription);
    if (this.#state !== 'unsubscribed') this.#setState(change);
  }

  /** Emits a publication unless its offset was delivered already. */
  #deliver(publication: Publication<T>): void {
    if (this.#stream.accept(publication)) this.#emitter.emit('publication', publication);
  }

  #setState(change: Omit<SubscriptionStateChange, 'previous'>): void {
    const previous = this.#state;
    this.#state = change.state;
    this.#host.log(`subscription ${this.channel}: ${previous} -> ${change.state}`);
    this.#emitter.emit('state', { ...change, previous });
  }
}

/**
 * @module client
 * The relais client: the connection state machine ('disconnected' | 'connecting' | 'connected'
 * | 'closed'), reconnection, tokens, the offline queue and the subscription registry. One
 * WebSocket session at a time lives in a Connection; a ReconnectSchedule says when to retry.
 */
import {
  DISCONNECT_CODES,
  ERROR_CODES,
  jsonCodec,
  shouldReconnect,
  type CommandParamsMap,
  type ConnectParams,
  type ConnectResult,
  type Method,
  type PublishParams,
  type PublishResult,
  type ResultMap,
} from '@relais/protocol';
import { checkSubscribe, connectParams, publishParams, rpcParams, subprotocolsFor } from './calls.js';
import { untilReady } from './ready.js';
import { Connection, type LostReason } from './connection.js';
import { Dispatcher, type DispatchOptions } from './dispatcher.js';
import { Emitter, type Disposer, type Listener } from './emitter.js';
import type { CallOptions, ClientEvents, ClientState, RpcOptions, StateChange } from './events.js';
import { resolveDocument, resolveWindow, watchEnvironment } from './environment.js';
import {
  ClientClosedError,
  DisconnectedError,
  InvalidOptionsError,
  NotConnectedError,
  ReconnectExhaustedError,
  TokenError,
  TransportError,
  type ServerError,
} from './errors.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { ClientLog } from './client-log.js';
import type { Request } from './request.js';
import { StatsCollector, type ClientStats } from './stats.js';
import { PushRouter } from './push-router.js';
import { ReconnectSchedule } from './reconnect-schedule.js';
import { TokenRefresher } from './refresh.js';
import { Subscription, type PublishOptions, type SubscribeOptions, type SubscriptionHost } from './subscription.js';
import { createSubscriptionHost } from './subscription-host.js';
import { defaultTimers, type Timers } from './timer.js';
import { TokenSource } from './token.js';
import type { TransportKind } from './transports/client-transport.js';
import type { TransportChooser } from './transports/chooser.js';
import { chooseTransports } from './transports/websocket-only.js';

/**
 * @example
 * const client = new Client('wss://example.com/connection/websocket', { getToken });
 * const sub = client.subscribe<{ text: string }>('chat:lobby');
 * sub.on('publication', (pub) => show(pub.data.text));
 * client.connect();
 */
export class Client {
  readonly url: string;
  readonly #o: ResolvedOptions;
  readonly #timers: Timers;
  readonly #ladder: TransportChooser;
  readonly #logs: ClientLog;
  readonly #emitter: Emitter<ClientEvents>;
  readonly #dispatcher: Dispatcher;
  readonly #stats: StatsCollector;
  readonly #subs = new Map<string, Subscription>();
  readonly #router: PushRouter;
  readonly #host: SubscriptionHost;
  readonly #token: TokenSource;
  readonly #refresher: TokenRefresher;
  readonly #reconnect: ReconnectSchedule;
  #state: ClientState = 'disconnected';
  #connection: Connection | undefined;
  #connectResult: ConnectResult | undefined;
  #generation = 0;
  #disposeEnvironment: Disposer | undefined;

  constructor(url: string, options: ClientOptions = {}) {
    this.#o = resolveOptions(options);
    this.url = url;
    this.#timers = this.#o.timers ?? defaultTimers;
    this.#ladder = chooseTransports(url, this.#o, this.#timers);
    this.#reconnect = new ReconnectSchedule(this.#timers, this.#o);
    this.#logs = new ClientLog(this.#o.logger, this.#o.debug);
    this.#token = new TokenSource(this.#o.token, this.#o.getToken, this.#logs.debug);
    this.#refresher = new TokenRefresher(this.#timers, this.#o.refreshMarginMs, {
      getToken: () => this.#token.fresh(),
      send: (token) => this.#call('refresh', { token }, { direct: true }),
      error: (error) => this.#emitter.emit('error', error),
      log: this.#logs.debug,
    });
    this.#emitter = new Emitter((error, event) => this.#logs.listenerError(error, String(event)));
    this.#dispatcher = new Dispatcher(this.#o.maxQueueSize, this.#timers);
    this.#stats = new StatsCollector(this.#timers);
    this.#host = createSubscriptionHost(this.#subs, {
      timers: this.#timers,
      refreshMarginMs: this.#o.refreshMarginMs,
      maxHeldPublications: this.#o.maxHeldPublications,
      isConnected: () => this.#state === 'connected',
      pages: () => this.#connectResult?.maxPageBytes !== undefined,
      backoff: (attempt) => this.#reconnect.backoff(attempt),
      call: (method, params, options) => this.#call(method, params, options),
      publish: (channel, data, options) => this.publish(channel, data, options),
      log: this.#logs.debug,
      listenerError: this.#logs.listenerError,
    });
    this.#router = new PushRouter(this.#subs, this.#host, this.#emitter);
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The transport of the current connection attempt or session (`websocket`, `http_stream`, `sse`). */
  get transport(): TransportKind {
    return this.#ladder.current;
  }

  /** The latest connect result (client id, user, server limits); undefined before the first. */
  get connectResult(): ConnectResult | undefined {
    return this.#connectResult;
  }

  /** Registers a listener; returns its disposer. */
  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): Disposer {
    return this.#emitter.on(event, listener);
  }

  /** Starts connecting; reconnects by itself afterwards. No-op unless 'disconnected'. */
  connect(): void {
    if (this.#state === 'closed') throw new ClientClosedError();
    if (this.#state !== 'disconnected') return;
    this.#disposeEnvironment ??= watchEnvironment(resolveWindow(this.#o.window), resolveDocument(this.#o.document), (why) =>
      this.#wake(why),
    );
    this.#reconnect.cancel();
    this.#reconnect.reset();
    void this.#startConnecting();
  }

  /**
   * Closes for good: state 'closed', pending and queued calls reject with ClientClosedError,
   * subscriptions end. A closed client cannot connect again; make a new one.
   */
  close(): void {
    if (this.#state === 'closed') return;
    this.#generation++;
    this.#reconnect.stop();
    this.#refresher.stop();
    this.#ladder.stopProbe();
    this.#dispatcher.detach(this.#connection?.close() ?? []);
    this.#connection = undefined;
    this.#stats.disconnected();
    this.#disposeEnvironment?.();
    this.#setState({ state: 'closed', reason: 'client closed' });
    this.#dispatcher.rejectQueued(new ClientClosedError());
    for (const sub of [...this.#subs.values()]) sub.handleClosed();
  }

  /** Resolves once connected; rejects on close or when the client stops retrying. */
  ready(): Promise<void> {
    return untilReady(this.#state, (listener) => this.on('state', listener));
  }

  /**
   * Subscribes to `channel`, or returns the active subscription to it (options then ignored).
   * Subscribing starts at once and is repeated after every reconnect.
   * @example const sub = client.subscribe('chat:lobby', { joinLeave: true });
   */
  subscribe<T = unknown>(channel: string, options: SubscribeOptions = {}): Subscription<T> {
    if (this.#state === 'closed') throw new ClientClosedError();
    checkSubscribe(channel, options);
    const existing = this.#subs.get(channel);
    if (existing) return existing as unknown as Subscription<T>;
    const sub = new Subscription<T>(this.#host, channel, options);
    sub.subscribe();
    return sub;
  }

  /**
   * @deprecated Moved in 0.2 to an opt-in import (docs/client.md#migration-subscribechanges):
   * `import { subscribeChanges } from '@relais/client/changes'`, then `subscribeChanges(client, options)`.
   */
  subscribeChanges(..._moved: never[]): never {
    throw new InvalidOptionsError(
      "subscribeChanges is an opt-in import: import { subscribeChanges } from '@relais/client/changes' and call subscribeChanges(client, options)",
    );
  }

  /** The active subscription to `channel`, if any. */
  getSubscription<T = unknown>(channel: string): Subscription<T> | undefined {
    return this.#subs.get(channel) as unknown as Subscription<T> | undefined;
  }

  /** Active subscriptions by channel (client- and server-side). */
  subscriptions(): ReadonlyMap<string, Subscription> {
    return new Map(this.#subs);
  }

  /**
   * Publishes `data` to `channel`. Resolves when the server accepted it. The idempotency key is
   * generated once per call, so a resend after a dropped connection is delivered once.
   */
  publish(channel: string, data: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    let params: PublishParams;
    try {
      params = publishParams(channel, data, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    // Ephemeral publishes go out on a live connection or fail at once, and are not resent.
    if (!options.ephemeral) return this.#call('publish', params, { timeoutMs: options.timeoutMs, retry: true });
    if (this.#state !== 'connected') return Promise.reject(new NotConnectedError('ephemeral publish'));
    return this.#call('publish', params, { timeoutMs: options.timeoutMs, direct: true });
  }

  /**
   * Calls the server's RPC handler `method`; resolves with the data it returned. Not resent after
   * a dropped connection (rejects with ConnectionLostError): the handler may not be idempotent.
   * With `idempotencyKey` it is resent (the server runs the handler once per key).
   * @example const { now } = await client.rpc<{ now: number }>('time');
   */
  async rpc<R = unknown>(method: string, data?: unknown, options: RpcOptions = {}): Promise<R> {
    const params = rpcParams(method, data, options);
    const result = await this.#call('rpc', params, { timeoutMs: options.timeoutMs, retry: params.idempotencyKey !== undefined });
    return result?.data as R;
  }

  /** Sends `data` to the server's onMessage hook; resolves on the server's ack. */
  async send(data: unknown, options: CallOptions = {}): Promise<void> {
    await this.#call('send', { data }, { timeoutMs: options.timeoutMs });
  }

  /** Counters since the client was created. */
  stats(): ClientStats {
    let held = 0;
    for (const sub of this.#subs.values()) held += sub.heldPublications;
    return this.#stats.snapshot(this.#dispatcher.queued, this.#dispatcher.inflight, held);
  }

  /** Switches debug logging to the logger, at runtime. */
  setDebug(enabled: boolean): void {
    this.#logs.debugging = enabled;
  }

  /** Every command goes out here; `timeoutMs` defaults to the client's. */
  #call<M extends Method>(method: M, params: CommandParamsMap[M], options: Partial<DispatchOptions> = {}): Promise<ResultMap[M]> {
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError());
    return this.#dispatcher.dispatch(method, params, { ...options, timeoutMs: options.timeoutMs ?? this.#o.timeoutMs });
  }

  async #startConnecting(): Promise<void> {
    const generation = ++this.#generation;
    this.#setState({ state: 'connecting' });
    let token: string | undefined;
    try {
      token = await this.#token.get();
    } catch (cause) {
      if (generation !== this.#generation) return;
      const error = cause instanceof TokenError ? cause : new TokenError(`getToken failed: ${String(cause)}`, { cause });
      this.#emitter.emit('error', error);
      this.#scheduleReconnect({ reason: error.message, error });
      return;
    }
    if (generation !== this.#generation) return; // closed while getToken was running
    try {
      this.#connection = this.#openConnection(connectParams(this.#o, token));
    } catch (cause) {
      // A malformed URL or a refused scheme: retrying cannot help.
      const error = new TransportError(`cannot open ${this.#ladder.current} to ${this.url}: ${String(cause)}`, { cause });
      this.#emitter.emit('error', error);
      this.#halt({ reason: error.message, error });
    }
  }

  #openConnection(params: ConnectParams): Connection {
    // HTTP transports carry JSON whatever the encoding option says.
    const codec = this.#ladder.current === 'websocket' ? this.#o.encoding : jsonCodec;
    return new Connection({
      codec,
      transport: this.#ladder.opener(subprotocolsFor(codec)),
      timers: this.#timers,
      stats: this.#stats,
      connectTimeoutMs: this.#o.connectTimeoutMs,
      connectParams: params,
      handlers: {
        connected: (result) => this.#onConnected(result),
        push: (push) => this.#router.route(push),
        lost: (reason, retry) => this.#onLost(reason, retry),
        refused: (error, retry) => this.#onRefused(error, retry),
        unavailable: (request) => this.#dispatcher.retryLater(request),
        log: this.#logs.debug,
      },
    });
  }

  #onConnected(result: ConnectResult): void {
    const connection = this.#connection!;
    this.#connectResult = result;
    this.#stats.connected();
    this.#reconnect.connected();
    const previous = this.#state;
    this.#state = 'connected';
    this.#router.sync(result.channels ?? []);
    // Resubscribe first; the queue goes out once every subscribe has its reply.
    this.#dispatcher.attachAfter(connection, () => [...this.#subs.values()].map((sub) => sub.handleConnected()));
    this.#ladder.connected(() => this.#moveBackUp(connection));
    if (this.#token.renewable) this.#refresher.schedule(result.expiresInMs);
    else if (result.expiresInMs !== undefined) this.#logs.debug('the token expires and there is no getToken to renew it');
    this.#logs.debug('connected', result);
    this.#emitter.emit('state', { state: 'connected', previous });
    this.#emitter.emit('connected', result);
  }

  /** A WebSocket opens again while `connection` runs on a fallback: reconnect over it now. */
  #moveBackUp(connection: Connection): void {
    if (this.#connection !== connection || this.#state !== 'connected') return;
    this.#logs.debug('a WebSocket opens again: moving back to it');
    this.#refresher.stop();
    this.#stats.disconnected();
    this.#dispatcher.detach(connection.close(1000, 'moving to websocket'));
    this.#connection = undefined;
    for (const sub of [...this.#subs.values()]) sub.handleDisconnected('moving to websocket');
    void this.#startConnecting();
  }

  #onLost(reason: LostReason, retry: Request[]): void {
    this.#ladder.lost();
    this.#connection = undefined;
    this.#refresher.stop();
    this.#reconnect.disconnected();
    this.#stats.disconnected();
    this.#dispatcher.detach(retry);
    if (reason.code === DISCONNECT_CODES.EXPIRED) this.#token.expire();
    if (reason.error) this.#emitter.emit('error', reason.error);
    if (reason.code !== undefined && !shouldReconnect(reason.code)) this.#halt(reason);
    else this.#scheduleReconnect(reason);
    for (const sub of [...this.#subs.values()]) sub.handleDisconnected(reason.reason);
  }

  #onRefused(error: ServerError, retry: Request[]): void {
    this.#ladder.lost();
    this.#connection = undefined;
    this.#refresher.stop();
    this.#dispatcher.detach(retry);
    this.#emitter.emit('error', error);
    const reason = { reason: error.message, error };
    if (error.serverCode === ERROR_CODES.TOKEN_EXPIRED) {
      this.#token.expire();
      this.#scheduleReconnect(reason);
    } else if (error.temporary) this.#scheduleReconnect(reason);
    else this.#halt(reason);
  }

  /** Stops retrying: state 'disconnected' without nextRetryAt; queued calls reject. */
  #halt(reason: LostReason): void {
    this.#reconnect.reset();
    this.#setState({ state: 'disconnected', ...reason });
    const error = new DisconnectedError(reason.reason, reason.code, { cause: reason.error });
    this.#dispatcher.rejectQueued(error);
  }

  #scheduleReconnect(reason: LostReason): void {
    const plan = this.#reconnect.plan();
    if (!plan) {
      this.#halt({ ...reason, error: new ReconnectExhaustedError(this.#reconnect.attempts) });
      return;
    }
    const { attempt, delayMs, nextRetryAt } = plan;
    this.#logs.debug(`reconnect attempt ${attempt} in ${delayMs} ms`);
    this.#setState({ state: 'disconnected', ...reason, nextRetryAt, attempt });
    this.#reconnect.wait(delayMs, () => void this.#startConnecting());
  }

  /** The browser came back online or the tab became visible: skip the backoff wait. */
  #wake(why: string): void {
    if (this.#state !== 'disconnected' || !this.#reconnect.waiting) return;
    this.#logs.debug(`${why}: reconnecting now`);
    this.#reconnect.cancel();
    void this.#startConnecting();
  }

  #setState(change: Omit<StateChange, 'previous'>): void {
    const previous = this.#state;
    this.#state = change.state;
    this.#logs.debug(`state ${previous} -> ${change.state}`, change);
    this.#emitter.emit('state', { ...change, previous });
  }
}

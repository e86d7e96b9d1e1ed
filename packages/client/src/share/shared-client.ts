/**
 * @module share/shared-client
 * A client whose tabs share one connection (`share: true`): one tab, elected with Web Locks,
 * holds the real Client (the ShareHub) and the others talk to it over a BroadcastChannel named
 * after the URL. Each tab keeps its own subscriptions, listeners and calls; when the leader goes,
 * the next one takes over, every tab resubscribes from its own position and resends its
 * publishes in flight with their idempotency keys.
 */
import { channelError, type ConnectResult, type PublishResult } from '@relais/protocol';
import { ChangeSubscription } from '../changes/change-subscription.js';
import { changeSubscribe, type ChangesOptions, type RowChange } from '../changes/channel.js';
import { Client } from '../client.js';
import { ClientLog } from '../client-log.js';
import { Emitter, type Disposer, type Listener } from '../emitter.js';
import type { CallOptions, ClientState, RpcOptions } from '../events.js';
import { ClientClosedError, ConnectionLostError, InvalidOptionsError } from '../errors.js';
import { idempotencyKey } from '../ids.js';
import { resolveOptions, type ClientOptions } from '../options.js';
import type { ClientStats } from '../stats.js';
import type { PublishOptions, SubscribeOptions } from '../subscription-types.js';
import type { TransportKind } from '../transports/client-transport.js';
import { defaultLocks, electLeader, type LockManagerLike } from './election.js';
import { ShareHub } from './hub.js';
import { fromErrorData, type ChannelLike, type LeaderMessage, type SharedCall, type ShareMessage, type TabMessage } from './messages.js';
import { defaultChannel, portChannel } from './ports.js';
import { SharedSubscription, type SharedSubscriptionHost } from './shared-subscription.js';
import { shareChannelName, type SharedClientEvents, type SharedClientOptions, type SharedWorkerLike } from './shared-types.js';
import { tabLockName, watchTabs } from './shared-worker.js';

export type { SharedClientEvents, SharedClientOptions, SharedStateChange, SharedWorkerLike } from './shared-types.js';
export { shareChannelName } from './shared-types.js';

interface PendingCall {
  call: SharedCall;
  /** The leader it was sent to; undefined while no leader is known. */
  sentTo: string | undefined;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * @example
 * import { SharedClient } from '@relais/client/share';
 * const client = new SharedClient('wss://example.com/connection/websocket', { share: true, getToken });
 * client.subscribe('chat:lobby').on('publication', (pub) => show(pub.data));
 * client.connect();
 */
export class SharedClient {
  readonly url: string;
  /** This tab's id among the tabs sharing the connection. */
  readonly tab = idempotencyKey();
  readonly #options: ClientOptions;
  readonly #logs: ClientLog;
  readonly #share: boolean;
  readonly #openChannel: ((name: string) => ChannelLike) | undefined;
  readonly #locks: LockManagerLike | undefined;
  readonly #worker: (() => SharedWorkerLike) | undefined;
  readonly #emitter = new Emitter<SharedClientEvents>((error, event) => this.#logs.listenerError(error, String(event)));
  readonly #subs = new Map<string, SharedSubscription>();
  readonly #calls = new Map<number, PendingCall>();
  #nextId = 0;
  #state: ClientState = 'disconnected';
  #started = false;
  #channel: ChannelLike | undefined;
  #resign: Disposer | undefined;
  #hub: ShareHub | undefined;
  #leader: string | undefined;
  #transport: TransportKind | undefined;
  #connectResult: ConnectResult | undefined;

  constructor(url: string, options: SharedClientOptions = {}) {
    const { share = false, channel, locks, worker, ...clientOptions } = options;
    resolveOptions(clientOptions); // the same checks as Client, before any tab is contacted
    if (typeof share !== 'boolean') throw new InvalidOptionsError(`share must be a boolean, got ${JSON.stringify(share)}`);
    this.url = url;
    this.#options = clientOptions;
    this.#logs = new ClientLog(clientOptions.logger, false);
    this.#share = share;
    this.#openChannel = channel ?? defaultChannel();
    this.#locks = locks ?? defaultLocks();
    if (worker !== undefined && typeof worker !== 'function')
      throw new InvalidOptionsError('worker must be a function that starts a SharedWorker');
    // Where the runtime has no SharedWorker (Chrome on Android), a leader tab holds the socket.
    this.#worker = worker && typeof (globalThis as { SharedWorker?: unknown }).SharedWorker === 'function' ? worker : undefined;
    if (share && !this.#openChannel) throw new InvalidOptionsError('share: true needs BroadcastChannel (or the channel option)');
    if (share && !this.#locks) throw new InvalidOptionsError('share: true needs the Web Locks API, navigator.locks (or the locks option)');
  }

  get state(): ClientState {
    return this.#state;
  }

  /** The shared connection's transport (`websocket`, `http_stream`, `sse`, `long_poll`); undefined until a leader reports it. */
  get transport(): TransportKind | undefined {
    return this.#transport;
  }

  /** The shared connection's latest connect result (client id, user, server limits); undefined before the first. */
  get connectResult(): ConnectResult | undefined {
    return this.#connectResult;
  }

  /** Whether this tab holds the shared connection. */
  get isLeader(): boolean {
    return this.#hub !== undefined;
  }

  /** @internal Refcounts of the shared subscriptions, on the leader tab (tests, debugging). */
  get hub(): ShareHub | undefined {
    return this.#hub;
  }

  on<K extends keyof SharedClientEvents>(event: K, listener: Listener<SharedClientEvents[K]>): Disposer {
    return this.#emitter.on(event, listener);
  }

  /** Joins the tabs sharing the connection (or, without share, opens this tab's own). */
  connect(): void {
    if (this.#state === 'closed') throw new ClientClosedError();
    if (this.#started) return;
    this.#started = true;
    this.#setState('connecting');
    if (!this.#share) {
      this.#lead();
      return;
    }
    const channel = this.#worker ? portChannel(this.#worker().port) : this.#openChannel!(shareChannelName(this.url));
    channel.onmessage = (event) => this.#receive(event.data as ShareMessage);
    this.#channel = channel;
    // This tab holds a lock named after it while it lives, and says hello once it holds it: the
    // worker or leader tab then asks for the same lock, granted when this tab is gone.
    const hello = () => this.#toLeader({ type: 'hello', tab: this.tab });
    const stops = [electLeader(this.#locks!, tabLockName(this.tab), hello)];
    if (!this.#worker) stops.push(electLeader(this.#locks!, shareChannelName(this.url), () => this.#lead()));
    this.#resign = () => stops.forEach((stop) => stop());
  }

  /** Leaves for good: pending calls reject with ClientClosedError; a leader hands over. */
  close(): void {
    if (this.#state === 'closed') return;
    if (this.#started) this.#toLeader({ type: 'bye', tab: this.tab });
    this.#hub?.close();
    this.#hub = undefined;
    this.#resign?.();
    this.#channel?.close();
    this.#channel = undefined;
    this.#setState('closed');
    for (const pending of this.#calls.values()) pending.reject(new ClientClosedError());
    this.#calls.clear();
    for (const sub of [...this.#subs.values()]) sub.handleClosed();
    this.#subs.clear();
  }

  /** Resolves once the shared connection is up; rejects if this client closes first. */
  ready(): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError());
    return new Promise((resolve, reject) => {
      const off = this.on('state', ({ state }) => {
        if (state === 'connected') resolve();
        else if (state === 'closed') reject(new ClientClosedError());
        else return;
        off();
      });
    });
  }

  /**
   * This tab's subscription to `channel` (the existing one if any), refcounted on the shared
   * connection. `getToken` cannot cross tabs: pass `token`.
   */
  subscribe<T = unknown>(channel: string, options: SubscribeOptions = {}): SharedSubscription<T> {
    if (this.#state === 'closed') throw new ClientClosedError();
    const invalid = channelError(channel);
    if (invalid) throw new InvalidOptionsError(invalid);
    if (options.getToken !== undefined || options.since !== undefined) {
      throw new InvalidOptionsError('a shared subscription takes no getToken or since: pass token; positions are kept per tab');
    }
    const existing = this.#subs.get(channel);
    if (existing) return existing as unknown as SharedSubscription<T>;
    const { getToken: _, since: __, ...shared } = options;
    const sub = new SharedSubscription<T>(this.#subHost(), channel, shared);
    this.#subs.set(channel, sub as SharedSubscription);
    sub.subscribe();
    return sub;
  }

  /**
   * This tab's subscription to the row changes of a Postgres table, as `Client.subscribeChanges`:
   * the change channel is shared, and with `snapshot: true` this tab reads its own snapshot.
   * @example client.subscribeChanges<Todo>({ table: 'todos', snapshot: true }).on('change', (c) => apply(c));
   */
  subscribeChanges<Row = Record<string, unknown>>(options: ChangesOptions): ChangeSubscription<Row, SharedSubscription<RowChange<Row>>> {
    const { channel, subscribe, snapshot } = changeSubscribe(options);
    const sub = this.subscribe<RowChange<Row>>(channel, subscribe);
    return new ChangeSubscription<Row, SharedSubscription<RowChange<Row>>>(sub, snapshot, (method, data) => this.rpc(method, data));
  }

  getSubscription<T = unknown>(channel: string): SharedSubscription<T> | undefined {
    return this.#subs.get(channel) as unknown as SharedSubscription<T> | undefined;
  }

  /** This tab's subscriptions by channel. */
  subscriptions(): ReadonlyMap<string, SharedSubscription> {
    return new Map(this.#subs);
  }

  /** Publishes through the leader; the idempotency key is made here, so a new leader's resend is delivered once. */
  publish(channel: string, data: unknown, options: PublishOptions = {}): Promise<PublishResult> {
    const call: SharedCall = { method: 'publish', channel, data, ...options };
    if (!options.ephemeral) call.idempotencyKey = options.idempotencyKey ?? idempotencyKey();
    return this.#call(call) as Promise<PublishResult>;
  }

  /** Calls through the leader; with an idempotency key, a new leader resends it (the handler runs once). */
  async rpc<R = unknown>(method: string, data?: unknown, options: RpcOptions = {}): Promise<R> {
    return (await this.#call({ method: 'rpc', name: method, ...(data !== undefined && { data }), ...options })) as R;
  }

  async send(data: unknown, options: CallOptions = {}): Promise<void> {
    await this.#call({ method: 'send', data, ...options });
  }

  /**
   * The shared connection's counters (`Client.stats()`), asked of the leader: a promise, as the
   * connection may live in another tab or a worker.
   */
  async stats(options: CallOptions = {}): Promise<ClientStats> {
    return (await this.#call({ method: 'stats', ...options })) as ClientStats;
  }

  /** Debug logging of this tab's Client, now if it leads and whenever it does later; not of a worker's. */
  setDebug(enabled: boolean): void {
    this.#options.debug = enabled;
    this.#hub?.setDebug(enabled);
  }

  #subHost(): SharedSubscriptionHost {
    return {
      subscribe: (sub) => {
        if (this.#started) this.#sendSubscribe(sub);
      },
      unsubscribe: (sub) => {
        if (this.#subs.get(sub.channel) === sub) this.#subs.delete(sub.channel);
        if (this.#started) this.#toLeader({ type: 'unsubscribe', tab: this.tab, channel: sub.channel });
      },
      publish: (channel, data, options) => this.publish(channel, data, options),
      call: (call) => this.#call(call),
      listenerError: this.#logs.listenerError,
    };
  }

  #sendSubscribe(sub: SharedSubscription): void {
    const since = sub.position;
    this.#toLeader({ type: 'subscribe', tab: this.tab, channel: sub.channel, options: sub.options, ...(since && { since }) });
  }

  #call(call: SharedCall): Promise<unknown> {
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError());
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      this.#calls.set(id, { call, sentTo: this.#leader, resolve, reject });
      if (this.#leader !== undefined) this.#toLeader({ type: 'call', tab: this.tab, id, call });
    });
  }

  /** This tab got the lock: it opens the real connection for every tab. */
  #lead(): void {
    if (this.#state === 'closed') return;
    const client = new Client(this.url, this.#options);
    const watch = this.#share ? watchTabs(this.#locks!) : undefined;
    this.#hub = new ShareHub(client, this.tab, (message) => this.#broadcast(message), watch);
    this.#emitter.emit('leader', true);
    this.#hub.start();
  }

  /** Tab -> leader: over the channel, and to this tab's own hub when it leads. */
  #toLeader(message: TabMessage): void {
    this.#channel?.postMessage(message);
    const hub = this.#hub;
    if (hub) queueMicrotask(() => hub.handle(message));
  }

  /** Leader -> tabs: over the channel, and to this tab itself. */
  #broadcast(message: LeaderMessage): void {
    this.#channel?.postMessage(message);
    queueMicrotask(() => this.#onLeaderMessage(message));
  }

  #receive(message: ShareMessage): void {
    switch (message.type) {
      case 'hello':
      case 'bye':
      case 'subscribe':
      case 'unsubscribe':
      case 'call':
        this.#hub?.handle(message);
        return;
      default:
        this.#onLeaderMessage(message);
    }
  }

  #onLeaderMessage(message: LeaderMessage): void {
    if (this.#state === 'closed') return;
    switch (message.type) {
      case 'leader': {
        const was = this.#state;
        this.#learn(message);
        this.#onLeader(message.tab, message.state);
        // A tab that joins a connection already up hears of it here, not from a 'connected'.
        if (was !== 'connected' && this.#state === 'connected' && message.connectResult) {
          this.#emitter.emit('connected', message.connectResult);
        }
        return;
      }
      case 'state':
        this.#learn(message);
        this.#setState(message.state, message.reason);
        return;
      case 'connected':
        this.#learn(message);
        this.#emitter.emit('connected', message.connectResult);
        return;
      case 'error':
        this.#emitter.emit('error', fromErrorData(message.error));
        return;
      case 'reply':
        if (message.tab === this.tab) this.#settle(message);
        return;
      case 'message':
        this.#emitter.emit('message', message.data);
        return;
      case 'catch-up':
        if (message.tab === this.tab) this.#subs.get(message.channel)?.handle(message);
        return;
      default:
        this.#subs.get(message.channel)?.handle(message);
    }
  }

  /**
   * A leader announced itself. When it is a new one, this tab resubscribes from its own
   * positions, resends its publishes (same idempotency keys: delivered once) and reads in
   * flight, and fails its other calls in flight (rpc, send, ephemeral publishes) with
   * ConnectionLostError, as a reconnecting Client would.
   */
  #onLeader(tab: string, state: ClientState): void {
    if (tab === this.#leader) return;
    this.#leader = tab;
    this.#setState(state === 'disconnected' ? 'connecting' : state);
    for (const sub of this.#subs.values()) this.#sendSubscribe(sub);
    for (const [id, pending] of this.#calls) {
      if (pending.sentTo !== undefined && !resendable(pending.call)) {
        this.#calls.delete(id);
        pending.reject(new ConnectionLostError(pending.call.method));
        continue;
      }
      pending.sentTo = tab;
      this.#toLeader({ type: 'call', tab: this.tab, id, call: pending.call });
    }
  }

  #learn(facts: { transport?: TransportKind; connectResult?: ConnectResult }): void {
    if (facts.transport !== undefined) this.#transport = facts.transport;
    if (facts.connectResult !== undefined) this.#connectResult = facts.connectResult;
  }

  #settle(message: Extract<LeaderMessage, { type: 'reply' }>): void {
    const pending = this.#calls.get(message.id);
    if (!pending) return;
    this.#calls.delete(message.id);
    if (message.error) pending.reject(fromErrorData(message.error));
    else pending.resolve(message.result);
  }

  #setState(state: ClientState, reason?: string): void {
    if (state === this.#state) return;
    const previous = this.#state;
    this.#state = state;
    this.#emitter.emit('state', { state, previous, ...(reason !== undefined && { reason }) });
  }
}

/** Calls sent again to a new leader: keyed publishes and RPCs (applied once) and reads, as a Client would. */
function resendable(call: SharedCall): boolean {
  if (call.method === 'publish' || call.method === 'rpc') return call.idempotencyKey !== undefined;
  return call.method === 'history' || call.method === 'presence' || call.method === 'presence_stats' || call.method === 'stats';
}

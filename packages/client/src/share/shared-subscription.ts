/**
 * @module share/shared-subscription
 * One tab's subscription on a shared connection: its own listeners and state, fed by the
 * leader's broadcasts, and its own position, so that it drops what it has already delivered
 * (a new leader recovers from the oldest position of all tabs) and tells the next leader where
 * to start.
 */
import type { ClientInfo, PresenceStatsResult, PublishResult, StreamPosition } from '@relais/protocol';
import { Emitter, type Disposer, type Listener } from '../emitter.js';
import type {
  HistoryOptions,
  HistoryPage,
  Publication,
  PublishOptions,
  SubscriptionEvents,
  SubscriptionState,
  SubscriptionStateChange,
} from '../subscription-types.js';
import { fromErrorData, type LeaderMessage, type SharedCall, type SharedSubscribeOptions } from './messages.js';

/** What a shared subscription needs from its SharedClient. */
export interface SharedSubscriptionHost {
  subscribe(sub: SharedSubscription): void;
  unsubscribe(sub: SharedSubscription): void;
  publish(channel: string, data: unknown, options: PublishOptions): Promise<PublishResult>;
  call(call: SharedCall): Promise<unknown>;
  listenerError(error: unknown, event: string): void;
}

export class SharedSubscription<T = unknown> {
  readonly channel: string;
  readonly options: SharedSubscribeOptions;
  readonly #host: SharedSubscriptionHost;
  readonly #emitter: Emitter<SubscriptionEvents<T>>;
  #state: SubscriptionState = 'unsubscribed';
  #position: StreamPosition | undefined;
  #data: unknown;
  /** Live publications held back while a catch-up is read. */
  #held: Publication<T>[] | undefined;

  /** @internal Created by `SharedClient.subscribe()`. */
  constructor(host: SharedSubscriptionHost, channel: string, options: SharedSubscribeOptions) {
    this.#host = host;
    this.channel = channel;
    this.options = options;
    this.#emitter = new Emitter((error, event) => host.listenerError(error, String(event)));
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  /** Data returned by the server's onSubscribe hook to the shared subscription, once subscribed. */
  get data(): unknown {
    return this.#data;
  }

  /** The last position this tab delivered (namespaces with history). */
  get position(): StreamPosition | undefined {
    return this.#position && { ...this.#position };
  }

  on<K extends keyof SubscriptionEvents<T>>(event: K, listener: Listener<SubscriptionEvents<T>[K]>): Disposer {
    return this.#emitter.on(event, listener);
  }

  publish(data: T, options: PublishOptions = {}): Promise<PublishResult> {
    return this.#host.publish(this.channel, data, options);
  }

  async history(options: HistoryOptions = {}): Promise<HistoryPage<T>> {
    return (await this.#host.call({ method: 'history', channel: this.channel, ...options })) as HistoryPage<T>;
  }

  async presence(options: { timeoutMs?: number } = {}): Promise<Record<string, ClientInfo>> {
    return (await this.#host.call({ method: 'presence', channel: this.channel, ...options })) as Record<string, ClientInfo>;
  }

  async presenceStats(options: { timeoutMs?: number } = {}): Promise<PresenceStatsResult> {
    return (await this.#host.call({ method: 'presence_stats', channel: this.channel, ...options })) as PresenceStatsResult;
  }

  /** @internal Starts subscribing (the client sends the request to the leader). */
  subscribe(): void {
    if (this.#state !== 'unsubscribed') return;
    this.#setState({ state: 'subscribing' });
    this.#host.subscribe(this as SharedSubscription);
  }

  unsubscribe(): void {
    if (this.#state === 'unsubscribed') return;
    this.#host.unsubscribe(this as SharedSubscription);
    this.#setState({ state: 'unsubscribed', reason: 'unsubscribe called' });
  }

  /** @internal The leader's news about this channel. */
  handle(message: LeaderMessage): void {
    if (this.#state === 'unsubscribed') return;
    if (message.type === 'publication') {
      if (this.#held) this.#held.push(message.publication as Publication<T>);
      else this.#deliver(message.publication as Publication<T>);
    } else if (message.type === 'catch-up') this.#onCatchUp(message);
    else if (message.type === 'presence') this.#emitter.emit(message.kind, message.info);
    else if (message.type === 'sub-state') this.#onState(message);
  }

  /** @internal The SharedClient closed. */
  handleClosed(): void {
    if (this.#state !== 'unsubscribed') this.#setState({ state: 'unsubscribed', reason: 'client closed' });
  }

  /** What this tab missed comes first, then the live publications held meanwhile; duplicates dropped. */
  #onCatchUp(message: Extract<LeaderMessage, { type: 'catch-up' }>): void {
    if (!message.done) {
      this.#held ??= [];
      return;
    }
    if (message.error) this.#emitter.emit('error', fromErrorData(message.error));
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const pub of message.publications ?? []) this.#deliver({ ...pub, channel: this.channel } as Publication<T>);
    for (const pub of held) this.#deliver(pub);
  }

  #onState(message: Extract<LeaderMessage, { type: 'sub-state' }>): void {
    if (message.error) this.#emitter.emit('error', fromErrorData(message.error));
    // A tab that has delivered nothing yet starts where the shared subscription stands.
    if (message.state === 'subscribed' && !this.#position && message.position) this.#position = { ...message.position };
    if (message.state === 'subscribed' && 'data' in message) this.#data = message.data;
    if (message.state === this.#state) return;
    const change: Omit<SubscriptionStateChange, 'previous'> = { state: message.state };
    if (message.recovered !== undefined) change.recovered = message.recovered;
    if (message.reason !== undefined) change.reason = message.reason;
    if (message.state === 'unsubscribed') this.#host.unsubscribe(this as SharedSubscription);
    this.#setState(change);
  }

  /** Delivers a publication unless this tab already has it (by offset, in its epoch). */
  #deliver(pub: Publication<T>): void {
    const at = this.#position;
    if (pub.offset !== undefined) {
      if (at && (pub.epoch === undefined || pub.epoch === at.epoch) && pub.offset <= at.offset) return;
      this.#position = { offset: pub.offset, epoch: pub.epoch ?? at?.epoch ?? '' };
    }
    this.#emitter.emit('publication', pub);
  }

  #setState(change: Omit<SubscriptionStateChange, 'previous'>): void {
    const previous = this.#state;
    this.#state = change.state;
    this.#emitter.emit('state', { ...change, previous });
  }
}

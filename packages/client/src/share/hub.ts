/**
 * @module share/hub
 * The leader's side of a shared connection: the one real Client, and on it one subscription per
 * channel, refcounted by the tabs that asked for it. Runs the tabs' calls and tells every tab
 * what happens (publications, states, replies) through `broadcast`.
 */
import type { StreamPosition } from '@relais/protocol';
import type { Client } from '../client.js';
import type { Disposer } from '../emitter.js';
import { InvalidOptionsError } from '../errors.js';
import type { Subscription } from '../subscription.js';
import {
  errorData,
  type ConnectionFacts,
  type LeaderMessage,
  type SharedCall,
  type SharedSubscribeOptions,
  type TabMessage,
} from './messages.js';

/** Calls `gone` once `tab` no longer exists; the disposer stops watching. */
export type TabWatch = (tab: string, gone: () => void) => Disposer;

interface HubChannel {
  sub: Subscription;
  tabs: Set<string>;
  since: StreamPosition | undefined;
  off: Disposer[];
}

/** Whether `a` is an older position than `b` in the same stream (or `b` has none). */
function before(a: StreamPosition, b: StreamPosition | undefined): boolean {
  return b === undefined || (a.epoch === b.epoch && a.offset < b.offset);
}

export class ShareHub {
  readonly #client: Client;
  readonly #tab: string;
  readonly #broadcast: (message: LeaderMessage) => void;
  readonly #channels = new Map<string, HubChannel>();
  readonly #off: Disposer[] = [];
  readonly #watch: TabWatch | undefined;
  readonly #watched = new Map<string, Disposer>();
  #closed = false;

  /**
   * `tab` is the leader's id; `broadcast` reaches every tab, the leader's own included; `watch`
   * calls `gone` when a tab has gone without a `bye` (closed, crashed).
   */
  constructor(client: Client, tab: string, broadcast: (message: LeaderMessage) => void, watch?: TabWatch) {
    this.#client = client;
    this.#tab = tab;
    this.#broadcast = broadcast;
    this.#watch = watch;
  }

  /** Channels with a shared subscription, and how many tabs hold each. */
  get refcounts(): ReadonlyMap<string, number> {
    return new Map([...this.#channels].map(([channel, entry]) => [channel, entry.tabs.size]));
  }

  /** Debug logging of the shared connection's Client. */
  setDebug(enabled: boolean): void {
    this.#client.setDebug(enabled);
  }

  /** Announces the leader, then connects. */
  start(): void {
    const client = this.#client;
    this.#off.push(
      client.on('state', (change) =>
        this.#broadcast({
          type: 'state',
          state: change.state,
          ...this.#facts(),
          ...(change.reason !== undefined && { reason: change.reason }),
        }),
      ),
      client.on('connected', (connectResult) => this.#broadcast({ type: 'connected', transport: client.transport, connectResult })),
      client.on('error', (error) => this.#broadcast({ type: 'error', error: errorData(error) })),
      client.on('message', (data) => this.#broadcast({ type: 'message', data })),
    );
    this.#broadcast({ type: 'leader', tab: this.#tab, state: client.state, ...this.#facts() });
    client.connect();
  }

  handle(message: TabMessage): void {
    if (this.#closed) return;
    if (message.type !== 'bye') this.#watchTab(message.tab);
    switch (message.type) {
      case 'hello':
        this.#broadcast({ type: 'leader', tab: this.#tab, state: this.#client.state, ...this.#facts() });
        return;
      case 'bye':
        this.#watched.get(message.tab)?.();
        this.#watched.delete(message.tab);
        for (const channel of [...this.#channels.keys()]) this.#release(message.tab, channel);
        return;
      case 'subscribe':
        this.#subscribe(message.tab, message.channel, message.options, message.since);
        return;
      case 'unsubscribe':
        this.#release(message.tab, message.channel);
        return;
      case 'call':
        void this.#call(message.tab, message.id, message.call);
    }
  }

  /** Closes the connection; tabs are told the leader left (another one takes over). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#off.splice(0)) off();
    for (const stop of this.#watched.values()) stop();
    this.#watched.clear();
    for (const entry of this.#channels.values()) for (const off of entry.off) off();
    this.#channels.clear();
    this.#client.close();
    this.#broadcast({ type: 'state', state: 'connecting', reason: 'the leader tab left' });
  }

  /** A tab seen for the first time: release what it holds once it is gone. */
  #watchTab(tab: string): void {
    if (!this.#watch || tab === this.#tab || this.#watched.has(tab)) return;
    this.#watched.set(
      tab,
      this.#watch(tab, () => this.handle({ type: 'bye', tab })),
    );
  }

  #subscribe(tab: string, channel: string, options: SharedSubscribeOptions, since: StreamPosition | undefined): void {
    let entry = this.#channels.get(channel);
    // A new leader gets every tab's position right after it starts, before its socket is open:
    // while nothing is sent yet, start from the oldest so that no tab misses a publication.
    if (entry && since && before(since, entry.since) && this.#client.state !== 'connected') {
      entry = this.#reopen(channel, entry, options, since);
    } else if (entry && wantsSnapshot(options)) {
      // The server lets a connection read a change channel's snapshot only for a while after a
      // subscribe with {snapshot: true} (snapshotGrantMs): a tab that asks for one on a channel
      // already shared subscribes it again, from the oldest position of the two, so that no
      // tab misses a publication and the new tab's snapshot is granted.
      const at = entry.sub.position;
      entry = this.#reopen(channel, entry, options, at === undefined || (since && before(since, at)) ? since : at);
    }
    if (!entry) {
      entry = this.#open(channel, options, since);
      this.#channels.set(channel, entry);
    }
    entry.tabs.add(tab);
    if (entry.sub.state !== 'subscribed') return;
    // Tell the newcomer where the stream is; tabs already there ignore it.
    this.#broadcast({ type: 'sub-state', channel, state: 'subscribed', ...position(entry.sub), data: entry.sub.data });
    const at = entry.sub.position;
    if (since && at && since.epoch === at.epoch && since.offset < at.offset) void this.#catchUp(tab, channel, entry.sub, since);
  }

  /**
   * The tab is behind the shared subscription (it asked a new leader whose socket was already
   * open): it holds live publications back while the missed ones are read from history.
   */
  async #catchUp(tab: string, channel: string, sub: Subscription, since: StreamPosition): Promise<void> {
    this.#broadcast({ type: 'catch-up', tab, channel, done: false });
    let message: LeaderMessage;
    try {
      const { publications } = await sub.history({ since });
      message = { type: 'catch-up', tab, channel, done: true, publications };
    } catch (error) {
      message = { type: 'catch-up', tab, channel, done: true, publications: [], error: errorData(error) };
    }
    if (!this.#closed) this.#broadcast(message);
  }

  /** Subscribes `channel` again, for the same tabs, with `options` from `since`. */
  #reopen(channel: string, entry: HubChannel, options: SharedSubscribeOptions, since: StreamPosition | undefined): HubChannel {
    for (const off of entry.off) off();
    entry.sub.unsubscribe();
    this.#channels.delete(channel);
    const reopened = { ...this.#open(channel, options, since), tabs: entry.tabs };
    this.#channels.set(channel, reopened);
    return reopened;
  }

  #open(channel: string, options: SharedSubscribeOptions, since: StreamPosition | undefined): HubChannel {
    const sub = this.#client.subscribe(channel, since ? { ...options, since } : options);
    const off = [
      sub.on('publication', (publication) => this.#broadcast({ type: 'publication', channel, publication })),
      sub.on('join', (info) => this.#broadcast({ type: 'presence', channel, kind: 'join', info })),
      sub.on('leave', (info) => this.#broadcast({ type: 'presence', channel, kind: 'leave', info })),
      sub.on('error', (error) => this.#broadcast({ type: 'sub-state', channel, state: sub.state, error: errorData(error) })),
      sub.on('state', (change) => {
        const message: LeaderMessage = { type: 'sub-state', channel, state: change.state, ...position(sub) };
        if (change.recovered !== undefined) message.recovered = change.recovered;
        if (change.reason !== undefined) message.reason = change.reason;
        if (change.state === 'subscribed') message.data = sub.data;
        if (change.state === 'unsubscribed' && this.#channels.get(channel)?.sub === sub) this.#drop(channel);
        this.#broadcast(message);
      }),
    ];
    return { sub, tabs: new Set(), since, off };
  }

  #release(tab: string, channel: string): void {
    const entry = this.#channels.get(channel);
    if (!entry || !entry.tabs.delete(tab) || entry.tabs.size > 0) return;
    this.#drop(channel);
    entry.sub.unsubscribe();
  }

  #drop(channel: string): void {
    const entry = this.#channels.get(channel);
    if (!entry) return;
    this.#channels.delete(channel);
    for (const off of entry.off) off();
  }

  async #call(tab: string, id: number, call: SharedCall): Promise<void> {
    try {
      const result = await this.#run(call);
      if (!this.#closed) this.#broadcast({ type: 'reply', tab, id, result });
    } catch (error) {
      if (!this.#closed) this.#broadcast({ type: 'reply', tab, id, error: errorData(error) });
    }
  }

  #run(call: SharedCall): Promise<unknown> {
    const client = this.#client;
    const timeout = call.timeoutMs === undefined ? {} : { timeoutMs: call.timeoutMs };
    switch (call.method) {
      case 'publish': {
        const { method: _, channel, data, ...options } = call;
        return client.publish(channel, data, options);
      }
      case 'rpc':
        return client.rpc(
          call.name,
          call.data,
          call.idempotencyKey === undefined ? timeout : { ...timeout, idempotencyKey: call.idempotencyKey },
        );
      case 'send':
        return client.send(call.data, timeout);
      case 'history': {
        const { method: _, channel, ...options } = call;
        return this.#subscription(channel).history(options);
      }
      case 'presence':
        return this.#subscription(call.channel).presence(timeout);
      case 'presence_stats':
        return this.#subscription(call.channel).presenceStats(timeout);
      case 'stats':
        return Promise.resolve(client.stats());
    }
  }

  /** What a tab needs to answer `transport` and `connectResult` as a Client would. */
  #facts(): ConnectionFacts {
    const result = this.#client.connectResult;
    return { transport: this.#client.transport, ...(result && { connectResult: result }) };
  }

  #subscription(channel: string): Subscription {
    const sub = this.#client.getSubscription(channel);
    if (!sub) throw new InvalidOptionsError(`history and presence need a subscription to ${JSON.stringify(channel)} in this tab`);
    return sub;
  }
}

/** A subscribe of Postgres changes asking for a snapshot (see `changeSubscribe`). */
function wantsSnapshot(options: SharedSubscribeOptions): boolean {
  return (options.data as { snapshot?: unknown } | undefined)?.snapshot === true;
}

function position(sub: Subscription): { position?: StreamPosition } {
  const at = sub.position;
  return at ? { position: at } : {};
}

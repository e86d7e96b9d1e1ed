/**
 * @module outbox/outbox
 * Durable publishes and RPCs: each is written to a store before it is sent and removed once the
 * server acknowledges (or answers) it, with its idempotency key, so a reload, a crash or a
 * closed laptop resends it on the next start (`start()`) and the server applies it once: it
 * remembers keys (and RPC replies) for its idempotencyTtlMs, which must be at least the outbox's
 * maxAgeMs (both default to 5 minutes). A resend's caller is gone after a reload: the outbox
 * reports every outcome as an event (`sent`/`dropped` for publishes, `answered`/`failed` for RPCs).
 */
import type { PublishResult } from '@relais/protocol';
import { Emitter, type Disposer, type Listener } from '../emitter.js';
import type { ClientState, RpcOptions } from '../events.js';
import { ClientClosedError, InvalidOptionsError, RelaisError, ServerError } from '../errors.js';
import { idempotencyKey } from '../ids.js';
import type { PublishOptions } from '../subscription-types.js';
import { OutboxExpiredError } from './errors.js';
import { DEFAULT_OUTBOX_DATABASE, IndexedDbOutboxStore } from './indexeddb-store.js';
import type { OutboxEntry, OutboxRecord, OutboxRpcEntry, OutboxStore } from './store.js';

/** The server's default idempotencyTtlMs (@relais/server DEFAULT_IDEMPOTENCY_TTL_MS). */
export const DEFAULT_OUTBOX_MAX_AGE_MS = 300_000;
export const DEFAULT_OUTBOX_RETRY_DELAY_MS = 1_000;

/** What the outbox needs of a client: a Client and a SharedClient both fit. */
export interface OutboxClient {
  readonly state: ClientState;
  publish(channel: string, data: unknown, options: PublishOptions): Promise<PublishResult>;
  rpc(method: string, data: unknown, options: RpcOptions): Promise<unknown>;
  on(event: 'state', listener: (change: { state: ClientState }) => void): Disposer;
}

export interface OutboxOptions {
  /** Where entries wait: `'indexeddb'` (browsers) or any OutboxStore (Node: JsonFileOutboxStore). */
  store: 'indexeddb' | OutboxStore;
  /** The IndexedDB database name, with `store: 'indexeddb'`. @default 'relais-outbox' */
  database?: string;
  /** The IndexedDB factory. @default globalThis.indexedDB */
  indexedDB?: IDBFactory;
  /**
   * Entries older than this (since first written) are dropped instead of sent: keep it at most
   * the server's idempotencyTtlMs, or a late resend may be delivered twice, in ms. @default 300000
   */
  maxAgeMs?: number;
  /**
   * Wait before resending after a temporary refusal on a live connection (e.g. 111 rate
   * limited); offline, the outbox waits for the next connect instead, in ms. @default 1000
   */
  retryDelayMs?: number;
  /** The clock, in ms since the epoch. @default Date.now */
  now?: () => number;
}

/** Options of one durable publish: no ephemeral (never queued) and no key (the outbox makes it). */
export type DurablePublishOptions = Omit<PublishOptions, 'ephemeral' | 'idempotencyKey' | 'timeoutMs'>;

export interface OutboxEvents {
  /** The server acknowledged a publish (its own caller's, or one resent by `start()`). */
  sent: { entry: OutboxEntry; result: PublishResult };
  /** A publish was removed unsent: too old (OutboxExpiredError) or refused by the server for good. */
  dropped: { entry: OutboxEntry; error: RelaisError };
  /** The server answered an RPC with `data` (its own caller's, or one resent by `start()`). */
  answered: { entry: OutboxRpcEntry; data: unknown };
  /**
   * An RPC was removed unanswered: too old (OutboxExpiredError), or refused for good — the
   * handler's own error (ServerError, e.g. an application code) included.
   */
  failed: { entry: OutboxRpcEntry; error: RelaisError };
}

/**
 * @example
 * import { Outbox } from '@relais/client/outbox';
 * const outbox = new Outbox(client, { store: 'indexeddb' });
 * await outbox.start(); // resends what the last page load left
 * await outbox.publish('chat:lobby', { text: 'hi' });
 * outbox.on('answered', ({ entry, data }) => entry.method === 'order' && showReceipt(data));
 * const receipt = await outbox.rpc('order', { item: 'tea' }); // also reported as 'answered'
 */
export class Outbox {
  readonly #client: OutboxClient;
  readonly #store: OutboxStore;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #retryDelayMs: number;
  readonly #waits = new Set<() => void>();
  readonly #emitter = new Emitter<OutboxEvents>();
  readonly #sending = new Set<string>();
  #closed = false;

  constructor(client: OutboxClient, options: OutboxOptions) {
    const { store, maxAgeMs = DEFAULT_OUTBOX_MAX_AGE_MS, retryDelayMs = DEFAULT_OUTBOX_RETRY_DELAY_MS, now = Date.now } = options ?? {};
    for (const [name, value] of [
      ['maxAgeMs', maxAgeMs],
      ['retryDelayMs', retryDelayMs],
    ] as const) {
      if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
        throw new InvalidOptionsError(`${name} must be a positive number of ms, got ${value}`);
      }
    }
    if (store === 'indexeddb') this.#store = new IndexedDbOutboxStore(options.database ?? DEFAULT_OUTBOX_DATABASE, options.indexedDB);
    else if (isStore(store)) this.#store = store;
    else throw new InvalidOptionsError(`store must be 'indexeddb' or an OutboxStore (put, delete, list), got ${String(store)}`);
    this.#client = client;
    this.#maxAgeMs = maxAgeMs;
    this.#now = now;
    this.#retryDelayMs = retryDelayMs;
  }

  on<K extends keyof OutboxEvents>(event: K, listener: Listener<OutboxEvents[K]>): Disposer {
    return this.#emitter.on(event, listener);
  }

  /**
   * Resends every entry a previous run left, oldest first, each with its own key; resolves with
   * how many there were once they are read (each then reports `sent` or `dropped`).
   */
  async start(): Promise<number> {
    const entries = await this.#store.list();
    for (const entry of entries) {
      if (this.#sending.has(entry.key)) continue;
      const delivered = entry.kind === 'rpc' ? this.#deliverRpc(entry) : this.#deliverPublish(entry);
      delivered.catch(() => {});
    }
    return entries.length;
  }

  /**
   * Writes the publish to the store, then sends it; resolves with the server's result once
   * acknowledged (however many reconnects that takes), and then removes it. Rejects when it
   * expires, when the server refuses it for good, or with ClientClosedError when the client
   * closes first (the entry stays, for the next `start()`).
   */
  async publish(channel: string, data: unknown, options: DurablePublishOptions = {}): Promise<PublishResult> {
    if (this.#closed) throw new ClientClosedError();
    const given = options as PublishOptions;
    if (given.ephemeral || given.idempotencyKey !== undefined || given.timeoutMs !== undefined) {
      throw new InvalidOptionsError('a durable publish takes no ephemeral, idempotencyKey or timeoutMs (maxAgeMs bounds it)');
    }
    const entry: OutboxEntry = { key: idempotencyKey(), channel, data, createdAt: this.#now() };
    if (options.event !== undefined) entry.event = options.event;
    if (options.excludeSelf !== undefined) entry.excludeSelf = options.excludeSelf;
    await this.#store.put(entry);
    return this.#deliverPublish(entry);
  }

  /**
   * Writes the call to the store, then sends it with its idempotency key (the server runs the
   * handler once per key); resolves with the handler's data once answered (however many
   * reconnects that takes), and then removes it. Rejects as `publish` does; the handler's own
   * error (a ServerError that is not temporary) also removes it. Every outcome is reported as
   * `answered` or `failed` too, for calls resent by `start()` after a reload. No options: the
   * outbox makes the idempotency key, and maxAgeMs bounds the call.
   */
  async rpc<R = unknown>(method: string, data?: unknown): Promise<R> {
    if (this.#closed) throw new ClientClosedError();
    if (typeof method !== 'string' || method.length === 0) throw new InvalidOptionsError('method must be a non-empty string');
    const entry: OutboxRpcEntry = { kind: 'rpc', key: idempotencyKey(), method, createdAt: this.#now() };
    if (data !== undefined) entry.data = data;
    await this.#store.put(entry);
    return (await this.#deliverRpc(entry)) as R;
  }

  /** The publishes and RPCs waiting for an acknowledgement, oldest first. */
  pending(): Promise<OutboxRecord[]> {
    return this.#store.list();
  }

  /** Stops sending; entries stay in the store for the next run. Does not close the client. */
  close(): void {
    this.#closed = true;
    for (const wake of [...this.#waits]) wake();
    this.#store.close?.();
  }

  #deliverPublish(entry: OutboxEntry): Promise<PublishResult> {
    const send = (timeoutMs: number): Promise<PublishResult> => {
      const options: PublishOptions = { idempotencyKey: entry.key, timeoutMs };
      if (entry.event !== undefined) options.event = entry.event;
      if (entry.excludeSelf !== undefined) options.excludeSelf = entry.excludeSelf;
      return this.#client.publish(entry.channel, entry.data, options);
    };
    return this.#deliver(entry, `publish to ${entry.channel}`, send, {
      done: (result) => this.#emitter.emit('sent', { entry, result }),
      dropped: (error) => this.#emitter.emit('dropped', { entry, error }),
    });
  }

  #deliverRpc(entry: OutboxRpcEntry): Promise<unknown> {
    const send = (timeoutMs: number): Promise<unknown> =>
      this.#client.rpc(entry.method, entry.data, { idempotencyKey: entry.key, timeoutMs });
    return this.#deliver(entry, `rpc ${entry.method}`, send, {
      done: (data) => this.#emitter.emit('answered', { entry, data }),
      dropped: (error) => this.#emitter.emit('failed', { entry, error }),
    });
  }

  /** Sends `entry` until it is acknowledged, expires or is refused for good; then removes it and reports. */
  async #deliver<R>(
    entry: OutboxRecord,
    what: string,
    send: (timeoutMs: number) => Promise<R>,
    report: { done: (result: R) => void; dropped: (error: RelaisError) => void },
  ): Promise<R> {
    this.#sending.add(entry.key);
    try {
      for (;;) {
        if (this.#closed || this.#client.state === 'closed') throw new ClientClosedError();
        const ageMs = this.#now() - entry.createdAt;
        if (ageMs >= this.#maxAgeMs) throw await this.#drop(entry, new OutboxExpiredError(what, ageMs, this.#maxAgeMs), report.dropped);
        let result: R;
        try {
          result = await send(this.#maxAgeMs - ageMs);
        } catch (error) {
          if (error instanceof ClientClosedError) throw error;
          if (refusedForGood(error)) throw await this.#drop(entry, error as RelaisError, report.dropped);
          await this.#connected();
          continue;
        }
        await this.#store.delete(entry.key);
        report.done(result);
        return result;
      }
    } finally {
      this.#sending.delete(entry.key);
    }
  }

  async #drop(entry: OutboxRecord, error: RelaisError, dropped: (error: RelaisError) => void): Promise<RelaisError> {
    await this.#store.delete(entry.key);
    dropped(error);
    return error;
  }

  /**
   * Resolves when a resend may go: after retryDelayMs on a live connection, else at the next
   * connect; at once when the client or the outbox closes.
   */
  #connected(): Promise<void> {
    const state = this.#client.state;
    if (state === 'closed' || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      let off: Disposer = () => {};
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = () => {
        this.#waits.delete(wake);
        off();
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      this.#waits.add(wake);
      if (state === 'connected') timer = setTimeout(wake, this.#retryDelayMs);
      else off = this.#client.on('state', (change) => (change.state === 'connected' || change.state === 'closed') && wake());
    });
  }
}

/**
 * A refusal that a resend cannot change: permanent server errors, too large, bad options. By
 * code, as errors from a SharedClient's leader are rebuilt in this tab.
 */
function refusedForGood(error: unknown): boolean {
  if (error instanceof ServerError) return !error.temporary;
  if (!(error instanceof RelaisError)) return true;
  return error.code === 'RELAIS_ERR_MESSAGE_TOO_LARGE' || error.code === 'RELAIS_ERR_INVALID_OPTIONS';
}

function isStore(value: unknown): value is OutboxStore {
  const store = value as OutboxStore | undefined;
  return typeof store?.put === 'function' && typeof store.delete === 'function' && typeof store.list === 'function';
}

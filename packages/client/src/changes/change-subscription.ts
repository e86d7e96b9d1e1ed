/**
 * @module changes/change-subscription
 * A Postgres change subscription: a Subscription on the change channel, whose publications are
 * emitted as `change` events. With `snapshot`, once subscribed (and again after a reconnect
 * that did not recover) it asks the server for the rows matching now, emits them as a
 * `snapshot` event, and emits only the changes the rows do not already hold: the changes that
 * arrive while the snapshot is read wait, then those of transactions in the snapshot are
 * dropped. Since the subscription was live before the snapshot was read, nothing committed
 * after the snapshot is missed. STATUS messages are `status` events. A RESET change (the server lost changes) reads the rows again.
 */
import type { ChangeSnapshot, RowChange } from './channel.js';
import { inSnapshot, SNAPSHOT_METHOD } from './channel.js';
import { Emitter, type Disposer, type Listener } from '../emitter.js';
import type { RelaisError } from '../errors.js';
import type { Subscription } from '../subscription.js';
import type { SubscriptionEvents, SubscriptionState, SubscriptionStateChange } from '../subscription-types.js';

/**
 * What a change subscription reads its changes from: a `Subscription`, or a tab's
 * `SharedSubscription` (`@relais/client/share`).
 */
export interface ChangeSource<Row> {
  readonly channel: string;
  readonly state: SubscriptionState;
  on<K extends 'publication' | 'error' | 'state'>(event: K, listener: Listener<SubscriptionEvents<RowChange<Row>>[K]>): Disposer;
  unsubscribe(): void;
}

export interface ChangeSubscriptionEvents<Row> {
  change: RowChange<Row>;
  /** The server's feed lost Postgres (`reconnecting`) or streams again (`live`). */
  status: 'live' | 'reconnecting';
  snapshot: ChangeSnapshot<Row>;
  state: SubscriptionStateChange;
  error: RelaisError | Error;
}

/** What the change subscription needs of the client: one RPC. */
export type SnapshotCall = (method: string, data: unknown) => Promise<unknown>;

export class ChangeSubscription<Row = Record<string, unknown>, S extends ChangeSource<Row> = Subscription<RowChange<Row>>> {
  /** The underlying subscription (position, history, presence...). */
  readonly subscription: S;
  readonly #events = new Emitter<ChangeSubscriptionEvents<Row>>();
  readonly #call: SnapshotCall;
  readonly #snapshot: boolean;
  /** Changes held while a snapshot is read. */
  #held: RowChange<Row>[] | undefined;
  #last: ChangeSnapshot<Row> | undefined;
  #ready = false;

  constructor(subscription: S, snapshot: boolean, call: SnapshotCall) {
    this.subscription = subscription;
    this.#snapshot = snapshot;
    this.#call = call;
    subscription.on('publication', ({ data }) => this.#receive(data));
    subscription.on('error', (error) => this.#events.emit('error', error));
    subscription.on('state', (change) => {
      this.#events.emit('state', change);
      if (change.state !== 'subscribed' || !this.#snapshot) return;
      if (!this.#ready || change.recovered === false) void this.#readSnapshot();
    });
  }

  get channel(): string {
    return this.subscription.channel;
  }

  get state(): SubscriptionState {
    return this.subscription.state;
  }

  /** Registers a listener; returns a disposer. */
  on<K extends keyof ChangeSubscriptionEvents<Row>>(event: K, listener: Listener<ChangeSubscriptionEvents<Row>[K]>): Disposer {
    return this.#events.on(event, listener);
  }

  unsubscribe(): void {
    this.subscription.unsubscribe();
  }

  #receive(change: RowChange<Row>): void {
    if (this.#held) this.#held.push(change);
    else this.#emit(change);
  }

  #emit(change: RowChange<Row>): void {
    if (change.event === 'STATUS') {
      if (change.status) this.#events.emit('status', change.status);
      return;
    }
    if (change.event === 'RESET') {
      this.#events.emit('change', change);
      // Changes may be missing: with snapshots, the rows are read again.
      if (this.#snapshot && this.#ready) void this.#readSnapshot();
      return;
    }
    if (this.#last && typeof change.xid === 'number' && inSnapshot(this.#last, change.xid)) return;
    this.#events.emit('change', change);
  }

  async #readSnapshot(): Promise<void> {
    if (this.#held) return;
    this.#held = [];
    try {
      const snapshot = (await this.#call(SNAPSHOT_METHOD, { channel: this.channel })) as ChangeSnapshot<Row>;
      this.#last = snapshot;
      this.#ready = true;
      this.#events.emit('snapshot', snapshot);
    } catch (error) {
      this.#events.emit('error', error as Error);
    } finally {
      const held = this.#held;
      this.#held = undefined;
      for (const change of held) this.#emit(change);
    }
  }
}

/**
 * @module broker-subscriptions
 * Keeps the node's Broker subscribed to exactly the channels with local subscribers:
 * reference-counted, one broker subscription per channel per node.
 */
import type { Broker } from './broker.js';

export class BrokerSubscriptions {
  readonly #broker: Broker;
  /** Local holders per channel (subscribers, including pending ones). */
  readonly #wanted = new Map<string, number>();
  /** Channels the broker is subscribed to. */
  readonly #subscribed = new Set<string>();
  /** Per-channel chain of broker calls, so that they never overlap for one channel. */
  readonly #chains = new Map<string, Promise<void>>();

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  /** Channels with local holders (each one broker subscription, or one being made). */
  get size(): number {
    return this.#wanted.size;
  }

  /** The channels with local holders. */
  channels(): IterableIterator<string> {
    return this.#wanted.keys();
  }

  /** One more local holder; resolves once the broker is subscribed. */
  acquire(channel: string): Promise<void> {
    this.#wanted.set(channel, (this.#wanted.get(channel) ?? 0) + 1);
    return this.#sync(channel);
  }

  /** One holder fewer; unsubscribes the broker when it was the last. */
  release(channel: string): Promise<void> {
    const count = (this.#wanted.get(channel) ?? 0) - 1;
    if (count > 0) {
      this.#wanted.set(channel, count);
      return Promise.resolve();
    }
    this.#wanted.delete(channel);
    return this.#sync(channel);
  }

  // Broker calls for one channel run one at a time and each reconciles with the latest wish:
  // a subscribe racing an unsubscribe (a client leaving while another joins) ends in the
  // state that matches the current holders, whatever the order the calls were made in.
  #sync(channel: string): Promise<void> {
    const previous = this.#chains.get(channel) ?? Promise.resolve();
    const step = previous.then(() => this.#reconcile(channel));
    const settled = step.catch(() => {});
    this.#chains.set(channel, settled);
    void settled.then(() => {
      if (this.#chains.get(channel) === settled) this.#chains.delete(channel);
    });
    return step;
  }

  async #reconcile(channel: string): Promise<void> {
    const wanted = this.#wanted.has(channel);
    const subscribed = this.#subscribed.has(channel);
    if (wanted && !subscribed) {
      await this.#broker.subscribe(channel);
      this.#subscribed.add(channel);
    } else if (!wanted && subscribed) {
      this.#subscribed.delete(channel);
      await this.#broker.unsubscribe(channel);
    }
  }
}

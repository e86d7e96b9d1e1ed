/**
 * @module channel-store
 * A readable store of the latest publications of one channel, bounded. It subscribes when the
 * store gets its first subscriber and unsubscribes when it loses its last one.
 */
import type { Client, Publication, PublishOptions, PublishResult, SubscribeOptions } from '@relais/client';
import { readable, type Readable } from 'svelte/store';
import { acquire, release } from './leases.js';

export const DEFAULT_CHANNEL_STORE_MAX = 100;

export interface ChannelStoreOptions extends SubscribeOptions {
  /** Most publications kept, oldest dropped first. @default 100 */
  max?: number;
}

export interface ChannelStore<T> extends Readable<Publication<T>[]> {
  readonly channel: string;
  /** Publishes to the channel (queued while offline, like `client.publish`). */
  publish(data: T, options?: PublishOptions): Promise<PublishResult>;
}

/**
 * The last `max` publications of `channel`, oldest first. Stores of the same channel share the
 * client's subscription; the last one to stop unsubscribes, unless the subscription existed
 * before any store started (then it is left alone).
 * @example
 * const messages = channelStore<{ text: string }>(client, 'chat:lobby', { max: 50 });
 * // {#each $messages as m}<li>{m.data.text}</li>{/each}
 */
export function channelStore<T = unknown>(client: Client, channel: string, options: ChannelStoreOptions = {}): ChannelStore<T> {
  const { max = DEFAULT_CHANNEL_STORE_MAX, ...subscribeOptions } = options;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`channelStore max must be a positive integer, got ${max}`);
  const store = readable<Publication<T>[]>([], (set) => {
    let items: Publication<T>[] = [];
    set(items);
    const sub = acquire<T>(client, channel, subscribeOptions);
    const off = sub.on('publication', (publication) => {
      items = items.length >= max ? [...items.slice(items.length - max + 1), publication] : [...items, publication];
      set(items);
    });
    return () => {
      off();
      release(client, channel);
    };
  });
  return {
    channel,
    subscribe: store.subscribe,
    publish: (data, publishOptions) => client.publish(channel, data, publishOptions),
  };
}

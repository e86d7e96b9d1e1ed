/**
 * @module leases
 * Stores of one channel share the client's subscription: the first store to start subscribes
 * (unless a subscription already existed), the last one to stop unsubscribes what it created.
 */
import type { Client, SubscribeOptions, Subscription } from '@relais/client';

/** Active stores per client and channel: the last one to stop unsubscribes, if a store subscribed. */
const leases = new WeakMap<Client, Map<string, { count: number; owned: boolean }>>();

export function acquire<T>(client: Client, channel: string, options: SubscribeOptions): Subscription<T> {
  let byChannel = leases.get(client);
  if (!byChannel) leases.set(client, (byChannel = new Map()));
  let lease = byChannel.get(channel);
  if (!lease) byChannel.set(channel, (lease = { count: 0, owned: client.getSubscription(channel) === undefined }));
  lease.count++;
  return client.subscribe<T>(channel, options);
}

export function release(client: Client, channel: string): void {
  const byChannel = leases.get(client);
  const lease = byChannel?.get(channel);
  if (!byChannel || !lease || --lease.count > 0) return;
  byChannel.delete(channel);
  if (lease.owned) client.getSubscription(channel)?.unsubscribe();
}

/**
 * @module presence-store
 * A readable store of who is in a channel: a presence snapshot taken each time the subscription
 * becomes active (first subscribe and every resubscribe), kept current by join/leave pushes.
 */
import type { Client, ClientInfo, SubscribeOptions } from '@relais/client';
import { readable, type Readable } from 'svelte/store';
import { acquire, release } from './leases.js';

export interface PresenceValue {
  /** Present connections by client id. */
  clients: Record<string, ClientInfo>;
  /** Number of connections present. */
  count: number;
  /** Distinct users present (anonymous connections count as one). */
  users: number;
  /** False until the first snapshot arrived. */
  ready: boolean;
  /** The last snapshot failure, cleared by the next success. */
  error?: Error;
}

export type PresenceEvent = { type: 'join' | 'leave'; info: ClientInfo };

/**
 * Applies join/leave events that arrived while a snapshot was in flight on top of it. Pure: the
 * snapshot may or may not already contain them, and the result is right either way.
 */
export function mergePresence(snapshot: Record<string, ClientInfo>, events: readonly PresenceEvent[]): Record<string, ClientInfo> {
  const clients = { ...snapshot };
  for (const { type, info } of events) {
    if (type === 'join') clients[info.client] = info;
    else delete clients[info.client];
  }
  return clients;
}

function valueOf(clients: Record<string, ClientInfo>, ready: boolean, error?: Error): PresenceValue {
  const list = Object.values(clients);
  const value: PresenceValue = { clients, count: list.length, users: new Set(list.map((c) => c.user)).size, ready };
  if (error) value.error = error;
  return value;
}

/**
 * Who is subscribed to `channel` (its namespace needs `presence` and `joinLeave`). The store
 * subscribes with `joinLeave: true` on its first subscriber and shares the subscription with
 * other stores of the channel like `channelStore`. A subscription that existed before without
 * joinLeave still works, but then refreshes only on resubscribe.
 * @example
 * const online = presenceStore(client, 'chat:lobby');
 * // {$online.users} online · {#each Object.values($online.clients) as c}{c.user}{/each}
 */
export function presenceStore(client: Client, channel: string, options: Omit<SubscribeOptions, 'joinLeave'> = {}): Readable<PresenceValue> {
  return readable<PresenceValue>(valueOf({}, false), (set) => {
    let clients: Record<string, ClientInfo> = {};
    let ready = false;
    /** Join/leave seen while a snapshot is in flight; undefined when none is. */
    let pendingEvents: PresenceEvent[] | undefined;
    let generation = 0;
    const sub = acquire(client, channel, { ...options, joinLeave: true });

    const snapshot = async (): Promise<void> => {
      const mine = ++generation;
      pendingEvents = [];
      try {
        const fresh = await sub.presence();
        if (mine !== generation) return;
        clients = mergePresence(fresh, pendingEvents);
        ready = true;
        set(valueOf(clients, ready));
      } catch (error) {
        if (mine === generation) set(valueOf(clients, ready, error as Error));
      } finally {
        if (mine === generation) pendingEvents = undefined;
      }
    };
    const onEvent = (type: 'join' | 'leave') => (info: ClientInfo) => {
      if (pendingEvents) pendingEvents.push({ type, info });
      clients = mergePresence(clients, [{ type, info }]);
      set(valueOf(clients, ready));
    };
    const offs = [
      sub.on('join', onEvent('join')),
      sub.on('leave', onEvent('leave')),
      sub.on('state', ({ state }) => {
        if (state === 'subscribed') void snapshot();
      }),
    ];
    if (sub.state === 'subscribed') void snapshot();
    return () => {
      generation++;
      for (const off of offs) off();
      release(client, channel);
    };
  });
}

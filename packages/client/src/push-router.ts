/**
 * @module push-router
 * Routes server pushes to their subscription or client event, and keeps the subscriptions the
 * server makes on its own (subscribe/unsubscribe pushes, connect result `channels`): creates and
 * removes their Subscription objects and emits the client events.
 */
import { DISCONNECT_CODES, type Push } from '@relais/protocol';
import type { ClientEvents } from './events.js';
import type { Emitter } from './emitter.js';
import { Subscription, type SubscriptionHost } from './subscription.js';

export class PushRouter {
  readonly #subs: Map<string, Subscription>;
  readonly #host: SubscriptionHost;
  readonly #emitter: Emitter<ClientEvents>;

  constructor(subs: Map<string, Subscription>, host: SubscriptionHost, emitter: Emitter<ClientEvents>) {
    this.#subs = subs;
    this.#host = host;
    this.#emitter = emitter;
  }

  route(push: Push): void {
    switch (push.type) {
      case 'message':
        this.#emitter.emit('message', push.data);
        return;
      case 'subscribe':
        this.subscribed(push.channel, push.data);
        return;
      case 'unsubscribe':
        this.unsubscribed(push.channel, push.code, push.reason);
        return;
      case 'publication': {
        const { type: _type, ...publication } = push;
        this.#subs.get(push.channel)?.handlePublication(publication);
        return;
      }
      case 'behind':
        this.#subs.get(push.channel)?.handleBehind();
        return;
      case 'join':
      case 'leave':
        this.#subs.get(push.channel)?.handlePresence(push.type, push.info);
        return;
      default:
        return; // ping and disconnect are the connection's business
    }
  }

  /** After a connect reply: `channels` are the server-side subscriptions of the new session. */
  sync(channels: readonly string[]): void {
    const listed = new Set(channels);
    for (const sub of [...this.#subs.values()]) {
      if (sub.serverSide && !listed.has(sub.channel)) {
        this.unsubscribed(sub.channel, DISCONNECT_CODES.INSUFFICIENT_STATE, 'not in the new session');
      }
    }
    for (const channel of channels) this.subscribed(channel);
  }

  subscribed(channel: string, data?: unknown): void {
    const existing = this.#subs.get(channel);
    if (existing) {
      existing.handleServerSubscribed(data);
      return;
    }
    const sub = new Subscription(this.#host, channel, {}, true);
    this.#subs.set(channel, sub);
    sub.handleServerSubscribed(data);
    this.#emitter.emit('subscribed', sub);
  }

  unsubscribed(channel: string, code: number, reason: string): void {
    const sub = this.#subs.get(channel);
    if (!sub) return;
    sub.handleServerUnsubscribed(code, reason);
    this.#emitter.emit('unsubscribed', { subscription: sub, code, reason });
  }
}

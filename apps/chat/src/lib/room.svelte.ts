/**
 * @module chat/lib/room
 * One joined room: its subscription, its messages (each once, by server id), the messages this tab
 * is sending (pending until their publication comes back), and its unread count.
 */
import type { Client, Disposer, Publication, Subscription, SubscriptionState, SubscriptionStateChange } from '@relais/client';
import { errorText, newNonce } from './format.js';
import { isChatMessage, roomChannel, type ChatInput, type ChatMessage } from './protocol.js';
import { mergeMessages } from './timeline.js';

/**
 * How long a message may wait in the offline queue for a connection before it fails, in ms.
 * Long: the point of the queue is to survive an outage.
 */
export const PUBLISH_TIMEOUT_MS = 5 * 60_000;

/** A message typed in this tab and not yet seen coming back from the server. */
export interface PendingMessage {
  nonce: string;
  text: string;
  /** sending: queued or in flight; sent: accepted, its publication not seen yet; failed: refused. */
  status: 'sending' | 'sent' | 'failed';
  error?: string;
}

export class Room {
  readonly name: string;
  messages = $state<ChatMessage[]>([]);
  pending = $state<PendingMessage[]>([]);
  unread = $state(0);
  active = $state(false);
  subscription = $state<SubscriptionState>('unsubscribed');
  /** Why the subscription failed, when it did. */
  error = $state<string | undefined>(undefined);
  readonly #sub: Subscription;
  readonly #mine: Set<string>;
  readonly #disposers: Disposer[];

  /** `mine` collects the nonces this tab published, to tell its own messages apart. */
  constructor(client: Client, name: string, mine: Set<string>) {
    this.name = name;
    this.#mine = mine;
    this.#sub = client.subscribe(roomChannel(name));
    this.subscription = this.#sub.state;
    this.#disposers = [
      this.#sub.on('publication', (pub: Publication) => this.#receive(pub.data)),
      this.#sub.on('state', (change: SubscriptionStateChange) => this.#onState(change)),
      this.#sub.on('error', (error) => (this.error = errorText(error))),
    ];
  }

  isMine(message: ChatMessage): boolean {
    return message.nonce !== undefined && this.#mine.has(message.nonce);
  }

  /** Sends a message; it shows as pending until the server's publication of it arrives. */
  send(text: string): void {
    const item: PendingMessage = { nonce: newNonce(), text, status: 'sending' };
    this.#mine.add(item.nonce);
    this.pending = [...this.pending, item];
    void this.#publish(item);
  }

  /** Sends a failed message again, with the same nonce. */
  retry(nonce: string): void {
    const item = this.pending.find((p) => p.nonce === nonce);
    if (!item || item.status !== 'failed') return;
    this.#update(nonce, { status: 'sending', error: undefined });
    void this.#publish(item);
  }

  discard(nonce: string): void {
    this.pending = this.pending.filter((p) => p.nonce !== nonce);
  }

  /** Unsubscribes and forgets the room. */
  leave(): void {
    for (const dispose of this.#disposers) dispose();
    this.#sub.unsubscribe();
  }

  async #publish({ nonce, text }: PendingMessage): Promise<void> {
    const input: ChatInput = { text, nonce };
    try {
      // Queued while offline; its idempotency key makes a resend after a reconnect count once.
      await this.#sub.publish(input, { timeoutMs: PUBLISH_TIMEOUT_MS });
      this.#update(nonce, { status: 'sent' });
    } catch (error) {
      this.#update(nonce, { status: 'failed', error: errorText(error) });
    }
  }

  #update(nonce: string, change: Partial<PendingMessage>): void {
    this.pending = this.pending.map((p) => (p.nonce === nonce ? { ...p, ...change } : p));
  }

  #onState(change: SubscriptionStateChange): void {
    this.subscription = change.state;
    if (change.state === 'subscribed') this.error = undefined;
  }

  #receive(data: unknown): void {
    if (!isChatMessage(data)) return;
    const before = this.messages;
    this.messages = mergeMessages(before, [data]);
    if (this.messages === before) return;
    if (data.nonce !== undefined && this.#mine.has(data.nonce)) {
      this.pending = this.pending.filter((p) => p.nonce !== data.nonce);
    } else if (!this.active) {
      this.unread += 1;
    }
  }
}

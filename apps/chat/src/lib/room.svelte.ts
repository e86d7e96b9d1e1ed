/**
 * @module chat/lib/room
 * One joined room: its subscription, its messages (each once, by server id: live, recovered and
 * from history), the messages this tab is sending (pending until their publication comes back),
 * who is online, who is typing, and the unread count.
 *
 * History: the room reads the last HISTORY_LIMIT messages when the subscription first becomes
 * active. After a reconnect the SDK recovers what was missed (`recovered: true`, the missed
 * publications arrive as ordinary ones); when it cannot (`recovered: false`: too much was missed,
 * or the server lost its history, e.g. a restart of the memory engine) the room reads the history
 * again, merges it without duplicates, and says so in `notice`.
 */
import {
  ServerError,
  typed,
  type Client,
  type TypedClient,
  type Disposer,
  type Publication,
  type Subscription,
  type SubscriptionState,
  type SubscriptionStateChange,
} from '@relais/client';
import { presenceStore, type PresenceValue } from '@relais/svelte';
import { errorText, newNonce } from './format.js';
import { onlineNames } from './presence.js';
import {
  HISTORY_LIMIT,
  MESSAGE_EVENT,
  TYPING_EVENT,
  chatContract,
  isChatMessage,
  isTypingNotice,
  roomChannel,
  type ChatMessage,
  type ChatMessageInput,
} from '../../shared/protocol.js';
import { mergeMessages } from './timeline.js';
import {
  TYPING_EXPIRY_MS,
  TYPING_THROTTLE_MS,
  Throttle,
  expireTyping,
  nextExpiry,
  noteTyping,
  stopTyping,
  typingText,
  type Typists,
} from './typing.js';

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

export interface RoomOptions {
  /** How long another user shows as typing after their last notice, in ms. @default TYPING_EXPIRY_MS */
  typingExpiryMs?: number;
  /** This tab announces its typing at most once per this many ms. @default TYPING_THROTTLE_MS */
  typingThrottleMs?: number;
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
  /** True once the room's history was read (or there is none to read). */
  historyLoaded = $state(false);
  /** Outcome of the last resubscribe's recovery: true, false, or undefined (first subscribe, no history). */
  recovered = $state<boolean | undefined>(undefined);
  /** Something the reader should know about the history (it could not be recovered, or read). */
  notice = $state<string | undefined>(undefined);
  /** Who is in the room (this tab included), from presence snapshots and join/leave events. */
  presence = $state.raw<PresenceValue | undefined>(undefined);
  /** Other users typing, each until an expiry time. */
  typists = $state.raw<Typists>({});
  readonly #sub: Subscription;
  /** The same client, its publishes typed by the chat's contract. */
  readonly #chat: TypedClient<typeof chatContract>;
  readonly #mine: Set<string>;
  readonly #disposers: Disposer[];
  readonly #typingExpiryMs: number;
  readonly #throttle: Throttle;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;

  /** `mine` collects the nonces this tab published, to tell its own messages apart. */
  constructor(client: Client, name: string, mine: Set<string>, options: RoomOptions = {}) {
    this.name = name;
    this.#mine = mine;
    this.#typingExpiryMs = options.typingExpiryMs ?? TYPING_EXPIRY_MS;
    this.#throttle = new Throttle(options.typingThrottleMs ?? TYPING_THROTTLE_MS);
    this.#chat = typed(client, chatContract);
    this.#sub = client.subscribe(roomChannel(name), { joinLeave: true });
    this.subscription = this.#sub.state;
    // The store shares this subscription: a snapshot on every (re)subscribe, then join/leave.
    const stopPresence = presenceStore(client, roomChannel(name)).subscribe((value) => (this.presence = value));
    this.#disposers = [
      this.#sub.on('publication', (pub: Publication) => this.#onPublication(pub)),
      this.#sub.on('state', (change: SubscriptionStateChange) => this.#onState(change)),
      this.#sub.on('error', (error) => (this.error = errorText(error))),
      stopPresence,
    ];
  }

  /** Display names of the people in the room. */
  get online(): string[] {
    return this.presence ? onlineNames(this.presence.clients) : [];
  }

  /** "Ada is typing…", or undefined. */
  get typing(): string | undefined {
    return typingText(Object.keys(this.typists));
  }

  isMine(message: ChatMessage): boolean {
    return message.nonce !== undefined && this.#mine.has(message.nonce);
  }

  /** Sends a message; it shows as pending until the server's publication of it arrives. */
  send(text: string): void {
    const item: PendingMessage = { nonce: newNonce(), text, status: 'sending' };
    this.#mine.add(item.nonce);
    this.pending = [...this.pending, item];
    this.#throttle.reset(); // typing again right after sending is news
    void this.#publish(item);
  }

  /** Tells the room this tab is typing: at most once per throttle interval, only while live. */
  notifyTyping(): void {
    if (this.subscription !== 'subscribed' || !this.#throttle.take()) return;
    // Ephemeral: never kept, never resent; offline it fails at once (NotConnectedError), which is
    // fine for a typing notice. The other readers' expiry ends a notice that never arrives.
    this.#chat.publish(roomChannel(this.name), {}, { event: TYPING_EVENT, ephemeral: true, excludeSelf: true }).catch(() => {});
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

  dismissNotice(): void {
    this.notice = undefined;
  }

  /** Unsubscribes and forgets the room. */
  leave(): void {
    clearTimeout(this.#typingTimer);
    for (const dispose of this.#disposers) dispose();
    this.#sub.unsubscribe();
  }

  async #publish({ nonce, text }: PendingMessage): Promise<void> {
    const input: ChatMessageInput = { text, nonce };
    try {
      // Queued while offline; its idempotency key makes a resend after a reconnect count once.
      await this.#chat.publish(roomChannel(this.name), input, { timeoutMs: PUBLISH_TIMEOUT_MS });
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
    if (change.state !== 'subscribed') return;
    this.error = undefined;
    this.recovered = change.recovered;
    // recovered: true means every missed message arrived as a publication: nothing to reload.
    if (change.recovered !== true) void this.#loadHistory(change.recovered === false);
  }

  /** Reads the room's history and merges it in; `lost`: after a failed recovery, say so. */
  async #loadHistory(lost: boolean): Promise<void> {
    try {
      const { publications } = await this.#sub.history({ limit: HISTORY_LIMIT, reverse: true });
      const messages = publications
        .filter((pub) => pub.event === undefined || pub.event === MESSAGE_EVENT)
        .map((pub) => pub.data)
        .filter(isChatMessage)
        .reverse();
      this.#take(messages);
      if (lost)
        this.notice = `History could not be recovered after the reconnection: reloaded the last ${messages.length} messages from the server.`;
    } catch (error) {
      // 108: a server whose chat namespace keeps no history: live messages only, nothing to say.
      if (!(error instanceof ServerError && error.serverCode === 108)) {
        this.notice = `History could not be loaded: ${errorText(error)}`;
      }
    }
    this.historyLoaded = true;
  }

  #onPublication(pub: Publication): void {
    if (pub.event === TYPING_EVENT) {
      if (isTypingNotice(pub.data)) this.#typing(pub.data.author);
    } else if ((pub.event === undefined || pub.event === MESSAGE_EVENT) && isChatMessage(pub.data)) {
      this.#take([pub.data]);
    }
  }

  /** Merges messages in (each once, by id): clears their pending copies, counts unread ones. */
  #take(incoming: readonly ChatMessage[]): void {
    const known = new Set(this.messages.map((m) => m.id));
    const fresh: ChatMessage[] = [];
    for (const message of incoming) {
      if (known.has(message.id)) continue;
      known.add(message.id);
      fresh.push(message);
    }
    if (fresh.length === 0) return;
    this.messages = mergeMessages(this.messages, fresh);
    const mine = fresh.filter((m) => this.isMine(m));
    if (mine.length > 0) {
      const nonces = new Set(mine.map((m) => m.nonce));
      this.pending = this.pending.filter((p) => !nonces.has(p.nonce));
    }
    if (!this.active) this.unread += fresh.length - mine.length;
    // Whoever sent a message has stopped typing it.
    this.#setTypists(
      stopTyping(
        this.typists,
        fresh.map((m) => m.author),
      ),
    );
  }

  #typing(author: string): void {
    this.#setTypists(noteTyping(this.typists, author, Date.now() + this.#typingExpiryMs));
  }

  /** Sets the typists and a timer for the next expiry. */
  #setTypists(typists: Typists): void {
    const now = Date.now();
    const next = expireTyping(typists, now);
    if (next !== this.typists) this.typists = next;
    clearTimeout(this.#typingTimer);
    const at = nextExpiry(next);
    this.#typingTimer = at === undefined ? undefined : setTimeout(() => this.#setTypists(this.typists), at - now);
  }
}

/**
 * @module session-channels
 * The channels one connection holds, one record per channel: whether it is being subscribed
 * (reserved) or delivering (active), whether the connection wants its join/leave pushes, and
 * its subscription-token deadline. Reserving takes the broker subscription and the presence
 * entry; releasing gives back everything reserving and activating took. Used by client
 * subscribes, server-side subscriptions and connect.
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES, type ClientInfo, type Push, type StreamPosition } from '@relais/protocol';
import { ExpiryTimer } from './auth/expiry-timer.js';
import type { Broker } from './broker.js';
import type { BrokerSubscriptions } from './broker-subscriptions.js';
import type { Channels } from './channels.js';
import { HELD_OVERFLOW, publicationPush, type Hub, type HubMember } from './hub.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics/metrics.js';
import type { PresenceKeeper } from './presence/presence-keeper.js';
import { liveAfter } from './recovery/recover.js';
import { behindPush } from './slow-consumer.js';

/** What the channels need from their connection. */
export interface ChannelMember extends HubMember {
  readonly state: string;
  /** Who the connection is, as publications, presence and join/leave show it. */
  clientInfo(): ClientInfo;
  enqueue(value: Push): void;
  close(code: number, reason?: string): void;
}

/** The node's parts that a connection's channels use. */
export interface ChannelServices {
  readonly hub: Hub<ChannelMember>;
  readonly subscriptions: BrokerSubscriptions;
  readonly presence: PresenceKeeper;
  readonly channels: Channels;
  readonly broker: Pick<Broker, 'publishJoin' | 'publishLeave'>;
  readonly metrics: Metrics;
  readonly logger: Logger;
}

/** One held channel. */
interface ChannelHold {
  /**
   * `reserving`: the subscribe is in progress, publications are held by the hub. `behind`: the
   * connection's queue overflowed (slowConsumer 'catch-up'); out of the hub's fan-out until a
   * `resume` brings it back live.
   */
  state: 'reserving' | 'active' | 'behind';
  /** A `resume` of this behind channel is in progress (publications are held by the hub). */
  resuming?: boolean;
  /** The connection asked for this channel's join/leave pushes. */
  joinLeave: boolean;
  /** Deadline of the subscription token; set when the channel was subscribed with one. */
  token: ExpiryTimer | undefined;
  /** Deadline an onSubscribe hook gave (onSubRefresh decides there); not the client's to move. */
  deadline?: ExpiryTimer;
}

export class SessionChannels {
  readonly #member: ChannelMember;
  readonly #node: ChannelServices;
  // Created on first use: an idle connection that holds nothing keeps no Map.
  #holds: Map<string, ChannelHold> | undefined;
  /** Set once the connection closed: nothing can be reserved any more. */
  #released = false;

  constructor(member: ChannelMember, node: ChannelServices) {
    this.#member = member;
    this.#node = node;
  }

  /** Channels held: subscribed, or being subscribed. */
  get size(): number {
    return this.#holds?.size ?? 0;
  }

  /** Whether `channel` is held (subscribed, or being subscribed). */
  has(channel: string): boolean {
    return this.#holds?.has(channel) ?? false;
  }

  /** Every held channel's name. */
  names(): string[] {
    return this.#holds ? [...this.#holds.keys()] : [];
  }

  /**
   * Reserves `channel` and waits for the broker subscription (and the presence entry, when the
   * namespace has presence). The caller checked that the channel is not held yet. From here on
   * the hub holds the channel's publications for the connection until `activate`. `who` is the
   * presence identity (connect passes the one the connection is about to get). Throws
   * Disconnect when the connection closed before or meanwhile; what it reserved is released.
   */
  async reserve(channel: string, who: ClientInfo = this.#member.clientInfo()): Promise<void> {
    if (this.#released) throw closedError();
    const node = this.#node;
    (this.#holds ??= new Map()).set(channel, { state: 'reserving', joinLeave: false, token: undefined });
    node.hub.hold(channel, this.#member);
    try {
      await node.subscriptions.acquire(channel);
      if (node.channels.find(channel)?.presence && !this.#released) await node.presence.join(channel, who);
    } catch (error) {
      // The broker or the presence store refused: forget the reservation; the caller reports it.
      this.release(channel);
      throw error;
    }
    // The connection closed while the broker subscribed: releaseAll ran before this
    // reservation existed or during it; either way, give back what it took.
    if (this.#released) {
      this.release(channel);
      throw closedError();
    }
  }

  /**
   * Starts delivering publications of a reserved channel: first those held since `reserve`
   * (minus what the subscribe result delivered up to `deliveredUpTo`), then live. Runs
   * synchronously right after the reply, so nothing can come in between.
   */
  activate(channel: string, deliveredUpTo?: number): void {
    const node = this.#node;
    const member = this.#member;
    const held = node.hub.take(channel, member);
    const hold = this.#holds?.get(channel);
    if (this.#released || hold?.state !== 'reserving') return;
    if (held === HELD_OVERFLOW) {
      // Too many publications arrived while the subscribe read its position: the client cannot
      // get them all in order from here. 3010 makes it reconnect and recover from what it has.
      node.logger.warn({ client: member.client, channel }, 'too many publications held during a subscribe; closing with 3010');
      member.close(DISCONNECT_CODES.INSUFFICIENT_STATE);
      return;
    }
    for (const pub of liveAfter(held, deliveredUpTo)) member.enqueue(publicationPush(pub));
    hold.state = 'active';
    if (!node.hub.subscribe(channel, member)) return;
    node.metrics.subscribed(channel);
    if (node.channels.find(channel)?.joinLeave) {
      node.broker.publishJoin(channel, member.clientInfo()).catch((error: unknown) => {
        node.logger.error({ err: error, channel }, 'join publish failed');
      });
    }
  }

  /** Stops delivery, gives the broker subscription back, removes presence and sends leave. */
  release(channel: string): boolean {
    const hold = this.#holds?.get(channel);
    if (!hold) return false;
    this.#holds?.delete(channel);
    const node = this.#node;
    const member = this.#member;
    if (hold.token) {
      hold.token.stop();
      node.metrics.tokenTimers--;
    }
    if (hold.deadline) {
      hold.deadline.stop();
      node.metrics.tokenTimers--;
    }
    node.hub.drop(channel, member);
    // A channel behind is out of the hub's fan-out, but still counted as subscribed.
    const wasActive = node.hub.unsubscribe(channel, member) || hold.state === 'behind';
    if (wasActive) node.metrics.unsubscribed(channel);
    const rules = node.channels.find(channel);
    if (rules?.presence) node.presence.leave(channel, member.client);
    if (wasActive && rules?.joinLeave) {
      node.broker.publishLeave(channel, member.clientInfo()).catch((error: unknown) => {
        node.logger.error({ err: error, channel }, 'leave publish failed');
      });
    }
    node.subscriptions.release(channel).catch((error: unknown) => {
      node.logger.error({ err: error, channel }, 'broker unsubscribe failed');
    });
    return true;
  }

  /**
   * Whether the publications of `channel` may be shed from this connection's queue when it
   * overflows: the channel is delivering live in a namespace with slowConsumer 'catch-up'.
   */
  canFallBehind(channel: string): boolean {
    return this.#holds?.get(channel)?.state === 'active' && this.#node.channels.find(channel)?.catchUp === true;
  }

  /** The epoch this node's fan-out last told every subscriber of `channel` (for shedding compact frames). */
  epochOf(channel: string): string | undefined {
    return this.#node.hub.toldEpoch(channel);
  }

  /**
   * Stops delivering `channel` live (see canFallBehind): the hub no longer writes its
   * publications to this connection, so nothing of it is queued until `resumed`.
   */
  fallBehind(channel: string): void {
    const hold = this.#holds?.get(channel);
    if (hold?.state !== 'active') return;
    hold.state = 'behind';
    this.#node.hub.unsubscribe(channel, this.#member);
    this.#node.metrics.fellBehind(channel);
  }

  /** Whether `channel` is behind (see fallBehind). */
  isBehind(channel: string): boolean {
    return this.#holds?.get(channel)?.state === 'behind';
  }

  /**
   * A `resume` of a channel behind starts: until `resumed` or `stayBehind`, the hub holds its
   * publications, so the history read next and the live ones after it leave no gap. Returns
   * false when the channel is not behind, or a resume of it is in progress already.
   */
  startResume(channel: string): boolean {
    const hold = this.#holds?.get(channel);
    if (hold?.state !== 'behind' || hold.resuming === true) return false;
    hold.resuming = true;
    this.#node.hub.hold(channel, this.#member);
    return true;
  }

  /** The resume's reply carried one page and more is left: the channel stays behind. */
  stayBehind(channel: string): void {
    const hold = this.#holds?.get(channel);
    if (hold) hold.resuming = false;
    this.#node.hub.drop(channel, this.#member);
  }

  /**
   * The resume's reply delivered everything up to `upTo` (the stream position it read): the
   * publications held since `startResume` past it, then live again. Runs synchronously right
   * after the reply.
   */
  resumed(channel: string, upTo: StreamPosition): void {
    const node = this.#node;
    const member = this.#member;
    const held = node.hub.take(channel, member);
    const hold = this.#holds?.get(channel);
    if (this.#released || hold?.state !== 'behind') return;
    hold.resuming = false;
    if (held === HELD_OVERFLOW) {
      // More arrived during the history read than can be held: still behind, read on.
      member.enqueue(behindPush(channel, upTo));
      return;
    }
    hold.state = 'active';
    for (const pub of liveAfter(held, upTo.offset)) member.enqueue(publicationPush(pub));
    node.hub.subscribe(channel, member);
  }

  /** Ends a subscription from the server: releases it and tells the client with an `unsubscribe` push. */
  end(channel: string, code: number, reason: string): boolean {
    if (!this.release(channel)) return false;
    this.#member.enqueue({ type: 'unsubscribe', channel, code, reason });
    return true;
  }

  /** The connection closed: releases every channel, and refuses any later `reserve`. */
  releaseAll(): void {
    this.#released = true;
    for (const channel of this.names()) this.release(channel);
    this.#holds = undefined;
  }

  /** Whether the connection asked for join/leave pushes of `channel`. */
  wantsJoinLeave(channel: string): boolean {
    return this.#holds?.get(channel)?.joinLeave ?? false;
  }

  /** Starts join/leave pushes of a held channel for this connection. */
  wantJoinLeave(channel: string): void {
    const hold = this.#holds?.get(channel);
    if (hold) hold.joinLeave = true;
  }

  /** Whether `channel` is held with a subscription token (so `sub_refresh` applies). */
  hasToken(channel: string): boolean {
    return this.#holds?.get(channel)?.token !== undefined;
  }

  /**
   * Watches the deadline a hook gave a held channel (see onSubRefresh): `expired` runs when it
   * passes; undefined removes it. Returns false when the channel is not held (anymore).
   */
  watchDeadline(channel: string, expiresAt: number | undefined, expired: () => void): boolean {
    const hold = this.#holds?.get(channel);
    if (!hold) return false;
    if (expiresAt === undefined) {
      if (hold.deadline) {
        hold.deadline.stop();
        hold.deadline = undefined;
        this.#node.metrics.tokenTimers--;
      }
      return true;
    }
    if (!hold.deadline) {
      hold.deadline = new ExpiryTimer();
      this.#node.metrics.tokenTimers++;
    }
    hold.deadline.start(expiresAt, Date.now, expired);
    return true;
  }

  /**
   * Watches the subscription token of a held channel: when `expiresAt` passes without a
   * `sub_refresh`, the subscription ends with an `unsubscribe` push, code 109 (token expired).
   * A token without `exp` is watched too (sub_refresh applies), with no deadline.
   */
  watchToken(channel: string, expiresAt: number | undefined): void {
    const hold = this.#holds?.get(channel);
    if (!hold) return;
    if (!hold.token) {
      hold.token = new ExpiryTimer();
      this.#node.metrics.tokenTimers++;
    }
    if (expiresAt === undefined) hold.token.stop();
    else hold.token.start(expiresAt, Date.now, () => this.end(channel, ERROR_CODES.TOKEN_EXPIRED, 'subscription token expired'));
  }
}

function closedError(): Disconnect {
  return new Disconnect(DISCONNECT_CODES.SHUTDOWN, 'closed');
}

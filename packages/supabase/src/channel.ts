/**
 * @module channel
 * One topic a Supabase socket joined: the relais connection it listens with (subscribed to the
 * topic's channel, with join/leave when presence is on), the connection of its tracked
 * presence, and what each Phoenix event on the topic does — `broadcast` (a publish), `presence`
 * track/untrack, `access_token` (a token refresh), `phx_leave`.
 */
import { randomUUID } from 'node:crypto';
import { DISCONNECT_CODES, ERROR_CODES, shouldReconnect, type PresenceResult, type Push } from '@relais/protocol';
import type { Logger, Relais, TransportInfo } from '@relais/server';
import { parseJoinPayload, type JoinConfig } from './join-config.js';
import type { JoinOutcome, SupabaseCounts } from './metrics.js';
import type { ResolvedSupabaseOptions } from './options.js';
import type { PhoenixMessage } from './phoenix-message.js';
import type { PostgresChanges, PostgresChangesJoin } from './postgres-changes.js';
import { LISTENER_INFO, memberInfo, presenceDiff, presenceState } from './presence-map.js';
import { LinkError, RelaisLink } from './relais-link.js';
import { channelOfTopic } from './topics.js';

/** What a channel needs of its socket. */
export interface ChannelHost {
  readonly relais: Relais;
  readonly options: ResolvedSupabaseOptions;
  readonly postgresChanges: PostgresChanges;
  readonly logger: Logger;
  /** The `relais_supabase_*` counts (joins by outcome). */
  readonly metrics: SupabaseCounts;
  /** Transport info of the socket (address, headers, url) for the relais connections. */
  readonly transport: Omit<TransportInfo, 'name'>;
  /** The socket's `apikey`: the token of a join that carries no access_token. */
  readonly apikey: string | undefined;
  bufferedBytes(): number;
  send(message: PhoenixMessage): void;
  /** The channel ended on its own (the node closed its connection). */
  ended(channel: SupabaseChannel): void;
  /** An event no handler knows on a joined topic (counted as the socket counts its own). */
  unknownEvent(): void;
  /**
   * The node ended the connection for a reason that is the socket's, not the channel's: it shuts
   * down (3001), or the socket does not read fast enough (3008, its buffer is the socket's). The
   * whole socket closes and realtime-js reconnects (to another node behind a balancer).
   */
  closeSocket(code: 1001 | 1013, reason: string): void;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class SupabaseChannel {
  readonly topic: string;
  readonly joinRef: string | null;
  readonly #host: ChannelHost;
  #config: JoinConfig | undefined;
  #channel = '';
  #presenceKey = '';
  #token: string | undefined;
  #listener: RelaisLink | undefined;
  #member: RelaisLink | undefined;
  /** Presence operations run one after the other. */
  #presenceOps: Promise<void> = Promise.resolve();
  /** Join/leave pushes held until presence_state is sent. */
  #heldDiffs: Push[] | undefined;
  /** What the join's postgres_changes entries became (once answered). */
  #postgres: PostgresChangesJoin | undefined;
  /** Publications of change channels held until the join reply and its `system` messages are sent. */
  #heldChanges: Push[] | undefined;
  #state: 'joining' | 'joined' | 'closed' = 'joining';

  constructor(host: ChannelHost, topic: string, joinRef: string | null) {
    this.#host = host;
    this.topic = topic;
    this.joinRef = joinRef;
  }

  get state(): 'joining' | 'joined' | 'closed' {
    return this.#state;
  }

  /** The relais channel this topic maps onto (once joined). */
  get channel(): string {
    return this.#channel;
  }

  /** Answers the `phx_join`: ok once the listening connection is subscribed, else error with a reason. */
  async join(payload: Record<string, unknown>, ref: string | null): Promise<void> {
    let config: JoinConfig;
    try {
      config = parseJoinPayload(payload);
    } catch (error) {
      this.#fail(ref, (error as Error).message, 'invalid');
      return;
    }
    const mapped = channelOfTopic(this.topic, config.private, this.#host.options);
    if ('error' in mapped) {
      this.#fail(ref, mapped.error, 'invalid');
      return;
    }
    this.#config = config;
    this.#channel = mapped.channel;
    this.#presenceKey = config.presenceKey || randomUUID();
    this.#token = config.accessToken ?? this.#host.apikey;
    const listener = this.#link(
      (push) => this.#onListenerPush(push),
      (code, reason) => this.#onListenerClose(code, reason),
    );
    this.#listener = listener;
    try {
      const { user } = await listener.open({ token: this.#token, data: LISTENER_INFO });
      if (config.private && user === '')
        throw new LinkError(ERROR_CODES.PERMISSION_DENIED, 'Unauthorized: a private channel needs an access token of a user (with sub)');
      if (config.presenceEnabled) this.#heldDiffs = [];
      await listener.call('subscribe', { channel: this.#channel, ...(config.presenceEnabled ? { joinLeave: true } : {}) });
    } catch (error) {
      // Closed while joining (a second join of the topic, the socket gone): not a refusal.
      const outcome = this.#state === 'closed' ? 'closed' : 'refused';
      listener.end();
      this.#fail(ref, this.#reason(error), outcome);
      return;
    }
    // The reply waits for the change subscriptions: realtime-js reports SUBSCRIBED on it, and
    // every change committed after it must reach the client.
    this.#heldChanges = [];
    const postgres = await this.#host.postgresChanges.join(config.postgresChanges, (channel) =>
      listener.call('subscribe', { channel }).then(
        () => undefined,
        (error: unknown) => Promise.reject(new Error(this.#reason(error))),
      ),
    );
    if (this.#state === 'closed') {
      this.#host.metrics.joined('closed');
      return;
    }
    if (listener.closed) {
      this.#fail(ref, 'connection closed', 'closed');
      return;
    }
    this.#state = 'joined';
    this.#host.metrics.joined('ok');
    this.#postgres = postgres;
    this.#reply(ref, 'ok', { postgres_changes: postgres.bindings });
    if (config.presenceEnabled) await this.#sendPresenceState();
    if (this.#state !== 'joined') return;
    for (const system of postgres.system) this.#push('system', { ...system, channel: this.#subTopic });
    const held = this.#heldChanges;
    this.#heldChanges = undefined;
    for (const push of held) this.#onListenerPush(push);
  }

  /** One Phoenix message on this topic, after the join. */
  handle(message: PhoenixMessage): void {
    const payload = message.payload as Record<string, unknown>;
    switch (message.event) {
      case 'broadcast':
        this.#broadcast(payload, message.ref);
        break;
      case 'presence':
        this.#presence(payload, message.ref);
        break;
      case 'access_token':
        this.#accessToken(payload, message.ref);
        break;
      case 'phx_leave':
        this.close();
        this.#reply(message.ref, 'ok', {});
        this.#push('phx_close', {});
        break;
      default:
        this.#host.unknownEvent();
        this.#reply(message.ref, 'error', { reason: `unknown event ${JSON.stringify(message.event)} on ${this.topic}` });
    }
  }

  /** Ends the channel's relais connections without telling the client. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#listener?.end();
    this.#member?.end();
    this.#member = undefined;
  }

  /** The topic without its `realtime:` prefix, as `system` messages name it. */
  get #subTopic(): string {
    return this.topic.replace(/^realtime:/, '');
  }

  #link(onPush: (push: Push) => void, onClose: (code: number, reason: string) => void): RelaisLink {
    return new RelaisLink(this.#host.relais, this.#host.transport, { onPush, onClose }, () => this.#host.bufferedBytes());
  }

  #broadcast(payload: Record<string, unknown>, ref: string | null): void {
    const config = this.#config!;
    const event = payload.event;
    if (typeof event !== 'string' || event === '') {
      this.#reply(ref, 'error', { reason: 'a broadcast needs an event name' });
      return;
    }
    const params = { channel: this.#channel, event, data: payload.payload ?? null, ...(config.broadcastSelf ? {} : { excludeSelf: true }) };
    this.#listener!.call('publish', params).then(
      () => {
        if (config.broadcastAck) this.#reply(ref, 'ok', {});
      },
      (error: unknown) => this.#reply(ref, 'error', { reason: this.#reason(error) }),
    );
  }

  #presence(payload: Record<string, unknown>, ref: string | null): void {
    const event = payload.event;
    if (event !== 'track' && event !== 'untrack') {
      this.#reply(ref, 'error', { reason: 'presence events are track and untrack' });
      return;
    }
    const meta = payload.payload ?? {};
    if (event === 'track' && !isRecord(meta)) {
      this.#reply(ref, 'error', { reason: 'a tracked presence payload must be an object' });
      return;
    }
    this.#presenceOps = this.#presenceOps.then(async () => {
      if (this.#state !== 'joined') return;
      try {
        if (event === 'track') await this.#track(meta as Record<string, unknown>);
        else this.#untrack();
        this.#reply(ref, 'ok', {});
      } catch (error) {
        this.#reply(ref, 'error', { reason: this.#reason(error) });
      }
    });
  }

  /**
   * A relais connection carries the tracked meta; tracking again replaces it: the previous one
   * leaves before the new one joins. (realtime-js 2.x loses a key's older metas' phx_ref when a
   * join for the key comes first, so a leave after it would never remove them.)
   */
  async #track(meta: Record<string, unknown>): Promise<void> {
    this.#untrack();
    const member = this.#link(
      () => undefined,
      () => {
        if (this.#member === member) this.#member = undefined;
      },
    );
    try {
      await member.open({ token: this.#token, data: memberInfo(this.#presenceKey, meta) });
      await member.call('subscribe', { channel: this.#channel });
    } catch (error) {
      member.end();
      throw error;
    }
    if (this.#state !== 'joined') {
      member.end();
      return;
    }
    this.#member = member;
  }

  #untrack(): void {
    const member = this.#member;
    this.#member = undefined;
    member?.end();
  }

  #accessToken(payload: Record<string, unknown>, ref: string | null): void {
    const token = payload.access_token;
    if (typeof token !== 'string' || token === '') {
      this.#reply(ref, 'error', { reason: 'access_token must be a non-empty string' });
      return;
    }
    if (token === this.#token) return;
    this.#token = token;
    const links = [this.#listener, this.#member].filter((link): link is RelaisLink => link !== undefined && !link.closed);
    for (const link of links) {
      link.call('refresh', { token }).catch((error: unknown) => {
        // A node without `auth` has nothing to refresh: the token is only kept for the next track.
        if (error instanceof LinkError && error.code === ERROR_CODES.NOT_AVAILABLE) return;
        this.#host.logger.debug({ err: error, topic: this.topic }, 'supabase: access token refused');
      });
    }
  }

  async #sendPresenceState(): Promise<void> {
    let state = {};
    try {
      const result = (await this.#listener!.call('presence', { channel: this.#channel })) as PresenceResult;
      state = presenceState(result.clients);
    } catch (error) {
      this.#push('system', { status: 'error', extension: 'presence', channel: this.#subTopic, message: this.#reason(error) });
    }
    if (this.#state !== 'joined') return;
    const held = this.#heldDiffs ?? [];
    this.#heldDiffs = undefined;
    this.#push('presence_state', state);
    for (const push of held) this.#onListenerPush(push);
  }

  #onListenerPush(push: Push): void {
    if (this.#state === 'closed') return;
    if (push.type === 'publication' && push.channel !== this.#channel) {
      if (this.#heldChanges) {
        this.#heldChanges.push(push);
        return;
      }
      const change = this.#postgres?.event(push.channel, push.data);
      if (change) this.#push('postgres_changes', change);
      const notice = this.#postgres?.notice?.(push.channel, push.data);
      if (notice) this.#push('system', { ...notice, channel: this.#subTopic });
    } else if (push.type === 'unsubscribe' && push.channel !== this.#channel) {
      // The node ended one change subscription: the channel lives on, its changes stop.
      this.#push('system', {
        status: 'error',
        extension: 'postgres_changes',
        channel: this.#subTopic,
        message: `changes of ${push.channel} stopped: ${push.reason} (${push.code})`,
      });
    } else if (push.type === 'publication') {
      this.#push('broadcast', { type: 'broadcast', event: push.event ?? 'message', payload: push.data });
    } else if (push.type === 'join' || push.type === 'leave') {
      if (this.#heldDiffs) {
        this.#heldDiffs.push(push);
        return;
      }
      const diff = presenceDiff(push.type, push.info);
      if (diff) this.#push('presence_diff', diff);
    } else if (push.type === 'unsubscribe') {
      // The node ended the subscription (server unsubscribe, token deadline): the client rejoins.
      this.#ended('phx_error', `${push.reason} (${push.code})`, true);
    }
  }

  #onListenerClose(code: number, reason: string): void {
    // While joining, the join's own catch answers the phx_join with the reason.
    if (this.#state !== 'joined') return;
    if (code === DISCONNECT_CODES.SHUTDOWN || code === DISCONNECT_CODES.SLOW) {
      this.close();
      this.#host.closeSocket(
        code === DISCONNECT_CODES.SHUTDOWN ? 1001 : 1013,
        code === DISCONNECT_CODES.SHUTDOWN ? 'server shutting down' : 'slow consumer',
      );
      return;
    }
    this.#ended(shouldReconnect(code) ? 'phx_error' : 'phx_close', `${reason || 'connection closed'} (${code})`, shouldReconnect(code));
  }

  /** The node ended the channel: a `system` error, then phx_error (the client rejoins) or phx_close. */
  #ended(event: 'phx_error' | 'phx_close', message: string, temporary: boolean): void {
    this.close();
    this.#push('system', { status: 'error', extension: 'system', channel: this.#subTopic, message });
    this.#push(event, temporary ? { reason: message } : {});
    this.#host.ended(this);
  }

  #fail(ref: string | null, reason: string, outcome: JoinOutcome): void {
    this.#host.metrics.joined(outcome);
    this.close();
    this.#reply(ref, 'error', { reason });
    this.#host.ended(this);
  }

  #reason(error: unknown): string {
    if (error instanceof LinkError) return error.message;
    this.#host.logger.error({ err: error, topic: this.topic }, 'supabase: unexpected channel error');
    return 'internal server error';
  }

  #reply(ref: string | null, status: 'ok' | 'error', response: unknown): void {
    this.#host.send({ join_ref: this.joinRef, ref, topic: this.topic, event: 'phx_reply', payload: { status, response } });
  }

  #push(event: string, payload: unknown): void {
    this.#host.send({ join_ref: this.joinRef, ref: null, topic: this.topic, event, payload });
  }
}

/**
 * @module node-channels
 * The node's server-side reach into channels and connections: publish, history, presence,
 * pushes to a client or user, disconnect, and server subscribe/unsubscribe. `Relais` offers
 * these as its server API; this holds their checks and their calls to the broker and hub.
 */
import { DISCONNECT_CODES, isDisconnectCode, type ClientInfo, type PublishResult } from '@relais/protocol';
import type { BrokerPublishOptions, HistoryQuery, HistoryResult } from './broker.js';
import type { NodeServices } from './commands/context.js';
import { checkData } from './data-checks.js';
import type { PresenceStats } from './presence.js';
import {
  SERVER_UNSUBSCRIBE_CODE,
  checkChannel,
  serverPublication,
  targetedSessions,
  type DisconnectTarget,
  type ServerPublishOptions,
} from './server-api.js';
import { frameBytes } from './transport.js';

/** What NodeChannels needs of its node. */
export interface NodeChannelsOptions {
  services: NodeServices;
  maxDataDepth: number;
  idempotencyTtlMs: number;
  /** Settles when the engine has started; publish and history wait for it. */
  started: Promise<void>;
}

/** The server API's channel and connection operations (see the methods of the same name on `Relais`). */
export class NodeChannels {
  readonly #services: NodeServices;
  readonly #maxDataDepth: number;
  readonly #idempotencyTtlMs: number;
  readonly #started: Promise<void>;

  constructor({ services, maxDataDepth, idempotencyTtlMs, started }: NodeChannelsOptions) {
    this.#services = services;
    this.#maxDataDepth = maxDataDepth;
    this.#idempotencyTtlMs = idempotencyTtlMs;
    this.#started = started;
  }

  async publish(channel: string, data: unknown, options: ServerPublishOptions): Promise<PublishResult> {
    const pub = serverPublication(channel, data, options, this.#maxDataDepth);
    await this.#started;
    const publish: BrokerPublishOptions = { idempotencyKey: options.idempotencyKey, idempotencyTtlMs: this.#idempotencyTtlMs };
    const history = this.#services.channels.find(channel)?.history;
    if (history && !options.ephemeral) publish.history = history;
    const result = await this.#services.broker.publish(pub, publish);
    this.#services.metrics.published(channel, 'server');
    return result;
  }

  async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    this.#checkHistory(channel);
    await this.#started;
    return this.#services.broker.history(channel, query);
  }

  async removeHistory(channel: string): Promise<void> {
    this.#checkHistory(channel);
    await this.#started;
    await this.#services.broker.removeHistory(channel);
  }

  async presence(channel: string): Promise<Record<string, ClientInfo>> {
    this.#checkPresence(channel);
    return this.#services.presence.store.presence(channel);
  }

  async presenceStats(channel: string): Promise<PresenceStats> {
    this.#checkPresence(channel);
    return this.#services.presence.store.stats(channel);
  }

  sendToClient(client: string, data: unknown): boolean {
    checkData('relais.sendToClient', data, this.#maxDataDepth, false);
    const session = this.#services.hub.get(client);
    if (!session) return false;
    session.enqueue({ type: 'message', data });
    return true;
  }

  sendToUser(user: string, data: unknown): number {
    checkData('relais.sendToUser', data, this.#maxDataDepth, false);
    return this.#services.hub.fanOut(this.#services.hub.ofUser(user), { type: 'message', data });
  }

  disconnect(target: DisconnectTarget, code: number = DISCONNECT_CODES.FORCE_DISCONNECT, reason?: string): number {
    if (!isDisconnectCode(code)) throw new RangeError(`disconnect code must be an integer in 3000–4999, got ${code}`);
    const sessions = targetedSessions(this.#services.hub, target);
    for (const session of sessions) session.close(code, reason);
    return sessions.length;
  }

  async subscribe(client: string, channel: string, data?: unknown): Promise<boolean> {
    checkChannel(channel);
    this.#services.channels.resolve(channel);
    if (data !== undefined) checkData('relais.subscribe', data, this.#maxDataDepth, false);
    const session = this.#services.hub.get(client);
    if (!session || session.channels.has(channel)) return false;
    // Encoded before the channel is reserved: a push that cannot be written leaves nothing held.
    const push = session.codec.encode(data === undefined ? { type: 'subscribe', channel } : { type: 'subscribe', channel, data });
    try {
      await session.channels.reserve(channel);
    } catch (error) {
      // The connection went away while the broker subscribed.
      if (session.state === 'closed') return false;
      throw error;
    }
    this.#services.metrics.frameSent('push', channel, frameBytes(push));
    session.enqueueFrame(push);
    session.channels.activate(channel);
    return true;
  }

  unsubscribe(client: string, channel: string): boolean {
    return this.#services.hub.get(client)?.channels.end(channel, SERVER_UNSUBSCRIBE_CODE, 'server unsubscribe') ?? false;
  }

  #checkHistory(channel: string): void {
    checkChannel(channel);
    if (!this.#services.channels.find(channel)?.history)
      throw new TypeError(`history is not enabled for ${channel}: set historySize and historyTtlMs on its namespace`);
  }

  #checkPresence(channel: string): void {
    checkChannel(channel);
    if (!this.#services.channels.find(channel)?.presence)
      throw new TypeError(`presence is not enabled for ${channel}: set presence: true on its namespace`);
  }
}

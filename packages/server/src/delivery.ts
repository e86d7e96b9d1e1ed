/**
 * @module delivery
 * What the engine delivers to this node goes to the local connections: publications through
 * the hub's fan-out, join/leave to the subscribers that asked for them, and an interrupted
 * engine link closes the connections that may have missed something (3010).
 */
import { DISCONNECT_CODES, type ClientInfo } from '@relais/protocol';
import type { BrokerEventHandler, Publication } from './broker.js';
import type { Hub, HubMember } from './hub.js';
import type { Logger } from './logger.js';
import { broadcastJoinLeave } from './presence/join-leave.js';

/** A local connection, as delivery sees it. */
export interface DeliveryMember extends HubMember {
  readonly channels: { names(): string[]; wantsJoinLeave(channel: string): boolean };
  close(code: number, reason?: string): void;
}

export class LocalDelivery<M extends DeliveryMember> implements BrokerEventHandler {
  readonly #hub: Hub<M>;
  readonly #sessions: ReadonlySet<M>;
  readonly #logger: Logger;

  /** `sessions`: every open connection of the node, subscribed or still subscribing. */
  constructor(hub: Hub<M>, sessions: ReadonlySet<M>, logger: Logger) {
    this.#hub = hub;
    this.#sessions = sessions;
    this.#logger = logger;
  }

  handlePublication(pub: Publication): void {
    try {
      this.#hub.handlePublication(pub);
    } catch (error) {
      // A publication this node cannot encode must not break the broker's delivery loop.
      this.#logger.error({ err: error, channel: pub.channel }, 'fan-out failed');
    }
  }

  handleJoin(channel: string, info: ClientInfo): void {
    this.#joinLeave('join', channel, info);
  }

  handleLeave(channel: string, info: ClientInfo): void {
    this.#joinLeave('leave', channel, info);
  }

  // The broker may have missed publications on these channels: their subscribers cannot
  // know what they lost, so they reconnect (3010) and recover from history where there is one.
  // Sessions still subscribing (broker subscribed, position not read yet) are closed too.
  handleInterruption(channels: readonly string[]): void {
    const affected = new Set(channels);
    const sessions = [...this.#sessions].filter((session) => session.channels.names().some((channel) => affected.has(channel)));
    this.#logger.warn(
      { channels: channels.length, connections: sessions.length },
      'engine link interrupted: closing affected connections with 3010',
    );
    for (const session of sessions) session.close(DISCONNECT_CODES.INSUFFICIENT_STATE);
  }

  #joinLeave(type: 'join' | 'leave', channel: string, info: ClientInfo): void {
    try {
      broadcastJoinLeave(this.#hub, type, channel, info);
    } catch (error) {
      this.#logger.error({ err: error, channel }, `${type} fan-out failed`);
    }
  }
}

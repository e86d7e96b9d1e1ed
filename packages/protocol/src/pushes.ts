/**
 * @module pushes
 * Protocol v1's pushes: what the server sends unasked (`type`, never an id), and the
 * publication and client info they carry. See docs/protocol.md.
 */

/** Who published, attached to publications from clients and to join/leave. */
export interface ClientInfo {
  client: string;
  user: string;
  /** Connection data chosen by the application (onConnecting `info`). */
  info?: unknown;
}

/** A publication as it travels inside pushes and subscribe results. */
export interface PublicationData {
  data: unknown;
  event?: string;
  /** Position in the channel's stream (namespaces with history; never on ephemeral ones). */
  offset?: number;
  /** Epoch of `offset` (in publication pushes; subscribe and history results carry it once). */
  epoch?: string;
  info?: ClientInfo;
}

export interface PublicationPush extends PublicationData {
  type: 'publication';
  channel: string;
}

/** Direct server -> client message (to one connection or all of a user's). */
export interface MessagePush {
  type: 'message';
  data: unknown;
}

export interface JoinPush {
  type: 'join';
  channel: string;
  info: ClientInfo;
}

export interface LeavePush {
  type: 'leave';
  channel: string;
  info: ClientInfo;
}

/** The server subscribed this connection to a channel (server-side subscription). */
export interface SubscribePush {
  type: 'subscribe';
  channel: string;
  data?: unknown;
}

/** The server ended this connection's subscription. */
export interface UnsubscribePush {
  type: 'unsubscribe';
  channel: string;
  code: number;
  reason: string;
}

/**
 * The server is closing the connection. On WebSocket the close frame carries the same code and
 * reason; this push exists for transports without close codes.
 */
export interface DisconnectPush {
  type: 'disconnect';
  code: number;
  reason: string;
  reconnect: boolean;
}

/**
 * The connection's send queue overflowed on a channel whose namespace catches up
 * (`slowConsumer: 'catch-up'`): the server stopped pushing its publications after `offset`
 * (the last one it sent) and the connection stays open. Read the rest with `resume`.
 */
export interface BehindPush {
  type: 'behind';
  channel: string;
  offset: number;
  epoch: string;
}

/** Heartbeat: answer with a `ping` command. */
export interface PingPush {
  type: 'ping';
}

export type Push =
  PublicationPush | MessagePush | JoinPush | LeavePush | SubscribePush | UnsubscribePush | DisconnectPush | PingPush | BehindPush;

export type PushType = Push['type'];

export const PUSH_TYPES: readonly PushType[] = [
  'publication',
  'message',
  'join',
  'leave',
  'subscribe',
  'unsubscribe',
  'disconnect',
  'ping',
  'behind',
];

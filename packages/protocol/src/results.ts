/**
 * @module results
 * Protocol v1's results: what a reply carries for each method (`{id, result}`), and the stream
 * position they share with commands. See docs/protocol.md.
 */
import type { ClientInfo, PublicationData } from './pushes.js';

export interface ConnectResult {
  /** Unique id of this connection, chosen by the server. */
  client: string;
  /** Authenticated user id; `''` for anonymous connections. */
  user: string;
  /** Server version string. */
  version: string;
  /** Protocol version of this connection: 1, or 2 on the `relais.v2.*` subprotocols. */
  protocol: number;
  /** The server sends a `ping` push every this many ms; answer it with a `ping` command. */
  pingIntervalMs: number;
  /** The server drops a connection it has not heard from for pingIntervalMs + pongTimeoutMs. */
  pongTimeoutMs: number;
  /** Largest inbound frame the server accepts, in bytes. */
  maxMessageBytes: number;
  /** Application data returned by the `onConnecting` hook. */
  data?: unknown;
  /** Channels the server subscribed this connection to (server-side subscriptions). */
  channels?: string[];
  /**
   * Present when the connection token expires: send `refresh` with a new token within this many
   * ms, or the server closes the connection with 3005.
   */
  expiresInMs?: number;
  /**
   * Most bytes of publications one `history` or recovering `subscribe` reply carries; the rest
   * is read page by page. Present on servers that page: they accept subscribe `paged`.
   */
  maxPageBytes?: number;
}

/** Position in a channel's stream: offsets increase by one per publication within an epoch. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface SubscribeResult {
  /** Application data returned by the `onSubscribe` hook. */
  data?: unknown;
  /** Whether the channel keeps history, so that a later resubscribe can recover. */
  recoverable?: boolean;
  /** Current stream position (when recoverable). */
  offset?: number;
  epoch?: string;
  /** Present when recovery was asked for: true when every missed publication follows. */
  recovered?: boolean;
  /** Missed publications, oldest first, when recovered. */
  publications?: PublicationData[];
  /**
   * With `paged` and `recovered: true`: the missed publications did not fit in one reply.
   * Those after the last one in `publications`, up to `offset`, are read with `history`
   * (`since` that last offset, or `since` itself when `publications` is empty).
   */
  more?: true;
  /**
   * Present when the subscription token expires: send `sub_refresh` within this many ms, or the
   * server ends the subscription with an `unsubscribe` push (code 109).
   */
  expiresInMs?: number;
}

export type UnsubscribeResult = Record<string, never>;

export interface PublishResult {
  /** Offset given to the publication (channels with history). */
  offset?: number;
  epoch?: string;
}

export interface RpcResult {
  data?: unknown;
}

export type SendResult = Record<string, never>;
export type PingResult = Record<string, never>;

/** Answer to `refresh` and `sub_refresh`: when the new token expires (absent: never). */
export interface RefreshResult {
  expiresInMs?: number;
}

export interface HistoryResult {
  /** Oldest first (newest first with `reverse`), each with its offset. */
  publications: PublicationData[];
  /** The stream's current position: offset of the latest publication (0 if none). */
  offset: number;
  epoch: string;
  /**
   * The reply was cut by the server's page size (ConnectResult.maxPageBytes) before `limit` or
   * the end: read on from the last publication received (see docs/protocol.md, history).
   */
  more?: true;
}

/**
 * Answer to `resume`. With `more`, the channel is still behind: deliver `publications` and send
 * `resume` again from the last one. Without it, live pushes start right after this reply.
 * `recovered: false`: the position was trimmed from history or belongs to another epoch; live
 * pushes start from `offset`, and what was missed in between is lost.
 */
export interface ResumeResult {
  /** The publications after `since`, oldest first (one page); empty when not recovered. */
  publications: PublicationData[];
  /** The stream's current position. */
  offset: number;
  epoch: string;
  recovered: boolean;
  more?: true;
}

export interface PresenceResult {
  /** Present connections keyed by client id. */
  clients: Record<string, ClientInfo>;
}

export interface PresenceStatsResult {
  /** Connections present. */
  clients: number;
  /** Distinct users present (anonymous connections count as one). */
  users: number;
}

export interface ResultMap {
  connect: ConnectResult;
  subscribe: SubscribeResult;
  unsubscribe: UnsubscribeResult;
  publish: PublishResult;
  rpc: RpcResult;
  send: SendResult;
  ping: PingResult;
  refresh: RefreshResult;
  sub_refresh: RefreshResult;
  history: HistoryResult;
  resume: ResumeResult;
  presence: PresenceResult;
  presence_stats: PresenceStatsResult;
}

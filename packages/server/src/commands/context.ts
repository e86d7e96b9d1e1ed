/**
 * @module commands/context
 * What command handlers get: the connection as a small role (`CommandSession`, which Session
 * implements), the node's shared services, and the shape they answer with.
 */
import type { ClientInfo, Codec, CommandParamsMap, Frame, Method, Push, ResultMap } from '@relais/protocol';
import type { SessionAuth } from '../auth/session-auth.js';
import type { TokenVerifier } from '../auth/verifier.js';
import type { Broker } from '../broker.js';
import type { ClientDetails } from '../events.js';
import type { Hooks } from '../hooks.js';
import type { ResolvedOptions } from '../options.js';
import type { ConnectionLimiter, RateLimiter } from '../rate-limit/rate-limiter.js';
import type { Hub } from '../hub.js';
import type { ChannelServices, SessionChannels } from '../session-channels.js';
import type { TransportInfo } from '../transport.js';
import type { SessionTap, Tracer } from '../trace/tracer.js';
import type { RpcServices } from '../rpc-once/rpc-services.js';

export type SessionState = 'connecting' | 'connected' | 'closed';

/** One connection, as command handlers see it. */
export interface CommandSession {
  /** Connection id, sent in ConnectResult.client. */
  readonly client: string;
  /** User id; '' until connected, and for anonymous connections. */
  readonly user: string;
  readonly info: unknown;
  readonly state: SessionState;
  readonly codec: Codec;
  readonly transport: TransportInfo;
  /** The channels this connection holds. */
  readonly channels: SessionChannels;
  /** Connection-token claims and expiry. */
  readonly auth: SessionAuth;
  /** This connection's rate limits. */
  readonly limiter: ConnectionLimiter;
  /** Where a trace following this connection gets its frames; undefined when none does (see trace/). */
  tap: SessionTap | undefined;
  /** Who this connection is, as hooks see it. */
  details(): ClientDetails;
  /** Who this connection is, as publications, presence and join/leave show it. */
  clientInfo(): ClientInfo;
  /** Marks the connection authenticated (called by the connect command after its reply). */
  establish(user: string, info: unknown): void;
  /** Encodes and queues one push. */
  enqueue(value: Push): void;
  /** Queues an encoded frame. */
  enqueueFrame(frame: Frame): void;
  /** Closes the connection; idempotent. */
  close(code: number, reason?: string): void;
}

/** Services of the node shared by every session. */
export interface NodeServices extends ChannelServices {
  readonly options: ResolvedOptions;
  readonly hub: Hub<CommandSession>;
  readonly hooks: Hooks;
  readonly broker: Broker;
  /** Verifies tokens; undefined when the node has no `auth` option. */
  readonly auth: TokenVerifier | undefined;
  readonly limiter: RateLimiter;
  /** The traces running on this node (see trace/tracer). */
  readonly tracer: Tracer;
  /** Keyed RPCs run once, and the output-schema refusals count (see rpc-once/). */
  readonly rpc: RpcServices;
  /** Called exactly once when a session reaches `closed`, after it released its channels. */
  sessionClosed(session: CommandSession, code: number): void;
}

/**
 * A handler's answer. A command is answered once: with `result`, or with an error when the
 * result cannot be encoded (then `undo` runs first).
 */
export interface Handled<R> {
  result: R;
  /**
   * Runs synchronously right after the reply is queued, so that nothing (e.g. a publication)
   * can reach the client between the reply and what it enables. If it throws, the reply has
   * gone out already: the connection is closed with 3004.
   */
  afterReply?: () => void;
  /**
   * Gives back what the handler reserved, when its reply cannot be sent and the client gets an
   * error instead (a subscribe releases its channel, so that a retry is not answered 105).
   */
  undo?: () => void;
  /**
   * Runs synchronously right before the reply is encoded, with the bytes already waiting on the
   * connection (transport buffer and queued frames): a reply that carries publications cuts
   * `result` to what the queue can take (recovery/page). Concurrent replies see each other.
   */
  fit?: (queuedBytes: number) => void;
}

/** Handles one command of a connection. Throws ReplyError, Disconnect or anything (→ 100). */
export type CommandHandler<M extends Method> = (
  session: CommandSession,
  params: CommandParamsMap[M],
  node: NodeServices,
) => Promise<Handled<ResultMap[M]>>;

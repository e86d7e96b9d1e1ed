/**
 * @module share/shared-types
 * The options and events of a SharedClient, and the name of the channel its tabs talk over.
 */
import type { ConnectResult } from '@relais/protocol';
import type { RelaisError } from '../errors.js';
import type { ClientState } from '../events.js';
import type { ClientOptions } from '../options.js';
import type { ChannelLike } from './messages.js';
import type { LockManagerLike } from './election.js';
import type { MessagePortLike } from './shared-worker.js';

export interface SharedClientOptions extends ClientOptions {
  /**
   * Share one connection between every tab of this origin that uses the same URL; off, this tab
   * has its own, like a plain Client. @default false
   */
  share?: boolean;
  /** Opens the channel the tabs talk over. @default (name) => new BroadcastChannel(name) */
  channel?: (name: string) => ChannelLike;
  /** Elects the leader tab. @default navigator.locks */
  locks?: LockManagerLike;
  /**
   * Starts the SharedWorker that holds the connection (its script calls `serveSharedWorker`),
   * used instead of a leader tab where the runtime has SharedWorker; called once per tab.
   * @example () => new SharedWorker('/relais-worker.js')
   */
  worker?: () => SharedWorkerLike;
}

/** The part of a SharedWorker a tab uses. */
export interface SharedWorkerLike {
  readonly port: MessagePortLike;
}

export interface SharedStateChange {
  state: ClientState;
  previous: ClientState;
  reason?: string;
}

export interface SharedClientEvents {
  /** The shared connection's state, as the leader sees it. */
  state: SharedStateChange;
  /** The shared connection connected (again): its connect result. */
  connected: ConnectResult;
  /** A problem of the shared connection (the leader's Client `error` event). */
  error: RelaisError;
  /** This tab became the leader (it holds the socket) or stopped being it. */
  leader: boolean;
  /** A `message` push from the server to the shared connection. */
  message: unknown;
}

/** The BroadcastChannel name of a URL's shared connection. */
export function shareChannelName(url: string): string {
  return `relais-share:${url}`;
}

/**
 * @module subscription-port
 * The contract between a Subscription and its client: the commands it sends through the
 * client's call path, the client's settings it reads, and its place in the client's registry.
 * Types only; generic in the subscription so that this file needs none of subscription.ts.
 */
import type {
  HistoryParams,
  HistoryResult,
  PublishResult,
  RefreshResult,
  ResumeParams,
  ResumeResult,
  SubscribeParams,
  SubscribeResult,
} from '@relais/protocol';
import type { ReadHost } from './subscription-reads.js';
import type { PublishOptions } from './subscription-types.js';

/** What a Subscription (`S`) needs from its client. */
export interface SubscriptionPort<S> extends ReadHost {
  isConnected(): boolean;
  subscribeCommand(params: SubscribeParams, timeoutMs: number | undefined): Promise<SubscribeResult>;
  subRefreshCommand(channel: string, token: string): Promise<RefreshResult>;
  readonly refreshMarginMs: number;
  /** Most live publications held while a paged recovery reads history (see LiveBuffer). */
  readonly maxHeldPublications: number;
  unsubscribeCommand(channel: string): void;
  publish(channel: string, data: unknown, options: PublishOptions): Promise<PublishResult>;
  /** Whether the server pages recoveries (its ConnectResult has `maxPageBytes`). */
  pages(): boolean;
  /** A history page of a recovery: belongs to the current connection, like subscribe. */
  pageCommand(params: HistoryParams, timeoutMs: number | undefined): Promise<HistoryResult>;
  /** A `resume` of a channel the server stopped pushing: belongs to the current connection too. */
  resumeCommand(params: ResumeParams, timeoutMs: number | undefined): Promise<ResumeResult>;
  attach(subscription: S): void;
  detach(subscription: S): void;
  log(message: string, ...details: unknown[]): void;
  listenerError(error: unknown, event: string): void;
}

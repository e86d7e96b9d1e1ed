/**
 * @module subscription-host
 * What a Subscription gets from its client: its commands, sent through the client's call path,
 * and its place in the client's registry of subscriptions, one per channel.
 */
import type { CommandParamsMap, Method, ResultMap } from '@relais/protocol';
import type { DispatchOptions } from './dispatcher.js';
import { ConnectionLostError, InvalidOptionsError } from './errors.js';
import type { Subscription, SubscriptionHost } from './subscription.js';

/**
 * What the client gives: the host's plain parts as they are, and `call`, which sends one command
 * through the client's dispatcher (`timeoutMs` defaulting to the client's).
 */
export interface HostClient extends Omit<
  SubscriptionHost,
  'subscribeCommand' | 'subRefreshCommand' | 'unsubscribeCommand' | 'pageCommand' | 'resumeCommand' | 'read' | 'attach' | 'detach'
> {
  call<M extends Method>(method: M, params: CommandParamsMap[M], options?: Partial<DispatchOptions>): Promise<ResultMap[M]>;
}

/**
 * Subscribe, sub_refresh, unsubscribe and the history pages of a recovery belong to one
 * session: they go out only on a live connection (else they fail with ConnectionLostError, and
 * the Subscription subscribes again after the next connect, recovering from the last
 * publication it delivered; an unsubscribe is dropped, as the next session starts without the
 * channel), and past the hold that keeps other calls queued until every resubscribe has its
 * reply. History and presence reads queue offline and are resent after a dropped connection,
 * as they are idempotent.
 */
export function createSubscriptionHost(subs: Map<string, Subscription>, client: HostClient): SubscriptionHost {
  const { call, ...base } = client;
  const live = <M extends Method>(method: M, params: CommandParamsMap[M], timeoutMs?: number): Promise<ResultMap[M]> =>
    base.isConnected() ? call(method, params, { timeoutMs, direct: true }) : Promise.reject(new ConnectionLostError(method));
  return {
    ...base,
    subscribeCommand: (params, timeoutMs) => live('subscribe', params, timeoutMs),
    subRefreshCommand: (channel, token) => live('sub_refresh', { channel, token }),
    pageCommand: (params, timeoutMs) => live('history', params, timeoutMs),
    resumeCommand: (params, timeoutMs) => live('resume', params, timeoutMs),
    unsubscribeCommand: (channel) => {
      if (base.isConnected()) call('unsubscribe', { channel }, { direct: true }).catch(() => {});
    },
    read: (method, params, timeoutMs) => call(method, params, { timeoutMs, retry: true }),
    attach: (sub) => {
      const other = subs.get(sub.channel);
      if (other && other !== sub) throw new InvalidOptionsError(`another subscription to ${JSON.stringify(sub.channel)} is active`);
      subs.set(sub.channel, sub);
    },
    detach: (sub) => {
      if (subs.get(sub.channel) === sub) subs.delete(sub.channel);
    },
  };
}

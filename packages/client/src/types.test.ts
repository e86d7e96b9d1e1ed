import { describe, expectTypeOf, it } from 'vitest';
import type { PublishResult } from '@relais/protocol';
import type { Client } from './client.js';
import type { Disposer } from './emitter.js';
import type { ClientState, StateChange } from './events.js';
import type { Publication, Subscription, SubscriptionState } from './subscription.js';

describe('public types', () => {
  it('carries the channel data type from subscribe to publication and publish', () => {
    expectTypeOf<ReturnType<Client['subscribe']>>().toEqualTypeOf<Subscription<unknown>>();
    type Sub = Subscription<{ text: string }>;
    expectTypeOf<Parameters<Sub['publish']>[0]>().toEqualTypeOf<{ text: string }>();
    expectTypeOf<ReturnType<Sub['publish']>>().toEqualTypeOf<Promise<PublishResult>>();
    expectTypeOf<Parameters<Parameters<Sub['on']>[1]>[0]>().toBeObject();
    expectTypeOf<Publication<{ text: string }>['data']>().toEqualTypeOf<{ text: string }>();
  });

  it('types rpc results and event payloads, and returns disposers from on()', () => {
    expectTypeOf<Client['rpc']>().returns.toEqualTypeOf<Promise<unknown>>();
    expectTypeOf<ReturnType<Client['on']>>().toEqualTypeOf<Disposer>();
    expectTypeOf<StateChange['state']>().toEqualTypeOf<ClientState>();
    expectTypeOf<ClientState>().toEqualTypeOf<'disconnected' | 'connecting' | 'connected' | 'closed'>();
    expectTypeOf<SubscriptionState>().toEqualTypeOf<'subscribing' | 'subscribed' | 'unsubscribed'>();
  });
});

import { describe, expectTypeOf, it } from 'vitest';
import type NodeWebSocket from 'ws';
import type { ClientInfo, PresenceStatsResult, PublishResult, StreamPosition } from '@relais/protocol';
import type { Client } from './client.js';
import type { Disposer } from './emitter.js';
import type { ClientState, StateChange } from './events.js';
import type { ClientOptions } from './options.js';
import type { HistoryPage, Publication, Subscription, SubscriptionState } from './subscription.js';
import type { WebSocketConstructor } from './transports/websocket.js';

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

  it('carries the data type into history pages, and types presence and positions', () => {
    type Sub = Subscription<{ text: string }>;
    expectTypeOf<ReturnType<Sub['history']>>().toEqualTypeOf<Promise<HistoryPage<{ text: string }>>>();
    expectTypeOf<HistoryPage<{ text: string }>['publications'][number]['data']>().toEqualTypeOf<{ text: string }>();
    expectTypeOf<ReturnType<Sub['presence']>>().toEqualTypeOf<Promise<Record<string, ClientInfo>>>();
    expectTypeOf<ReturnType<Sub['presenceStats']>>().toEqualTypeOf<Promise<PresenceStatsResult>>();
    expectTypeOf<Sub['position']>().toEqualTypeOf<StreamPosition | undefined>();
  });

  // The root tsconfig (what `npm run typecheck` checks) has lib DOM, so the global WebSocket here
  // is lib.dom's; `ws` comes from @types/ws. Both must fit as they are, under strict, without a cast.
  it("accepts the browser's WebSocket and ws's as the websocket option", () => {
    expectTypeOf<typeof NodeWebSocket>().toExtend<WebSocketConstructor>();
    expectTypeOf<typeof globalThis.WebSocket>().toExtend<WebSocketConstructor>();
    expectTypeOf<{ websocket: typeof NodeWebSocket }>().toExtend<ClientOptions>();
    expectTypeOf<{ websocket: typeof globalThis.WebSocket }>().toExtend<ClientOptions>();
    // Still a check: a socket without the handlers the client sets does not fit.
    type NoHandlers = Omit<InstanceType<typeof NodeWebSocket>, 'onmessage'>;
    expectTypeOf<new (url: string, protocols?: string | string[]) => NoHandlers>().not.toExtend<WebSocketConstructor>();
  });
});

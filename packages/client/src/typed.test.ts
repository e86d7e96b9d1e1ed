/**
 * `typed(client, contract)`: the contract's schemas (zod here) type subscribe, publish and rpc
 * on the channels and methods it names, and leave the rest `unknown`; at run time it is the
 * same client.
 */
import { defineContract } from '@relais/protocol';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { fakeClient } from './testing/helpers.js';
import { typed } from './typed.js';
import type { RpcOptions } from './events.js';
import { useFakeServer } from './testing/use-fake-server.js';

const contract = defineContract({
  channels: {
    chat: { events: { message: z.object({ text: z.string(), nonce: z.string().optional() }), typing: z.object({}) } },
    feed: { publication: z.object({ price: z.number().default(0) }) },
  },
  rpc: { add: { input: z.object({ a: z.number(), b: z.number() }), output: z.number() } },
});

describe('typed', () => {
  const fake = useFakeServer();

  it('types subscriptions by the schemas of their namespace, and leaves other channels unknown', () => {
    const client = typed(fakeClient(fake.server), contract);
    expectTypeOf(client.subscribe('chat:lobby').on).parameter(1).toBeFunction();
    client.subscribe('chat:lobby').on('publication', (pub) => {
      expectTypeOf(pub.data).toEqualTypeOf<{ text: string; nonce?: string | undefined } | Record<string, never>>();
    });
    client.subscribe('feed:eur').on('publication', (pub) => expectTypeOf(pub.data).toEqualTypeOf<{ price: number }>());
    client.subscribe('demo:rooms').on('publication', (pub) => expectTypeOf(pub.data).toBeUnknown());
  });

  it('types publish by event, and rpc by method', () => {
    const client = typed(fakeClient(fake.server), contract);
    expectTypeOf(client.publish<'chat:a', 'message'>)
      .parameter(1)
      .toEqualTypeOf<{ text: string; nonce?: string | undefined }>();
    expectTypeOf(client.publish<'feed:a'>)
      .parameter(1)
      .toEqualTypeOf<{ price?: number | undefined }>();
    expectTypeOf(client.rpc<'add'>)
      .parameter(1)
      .toEqualTypeOf<{ a: number; b: number }>();
    expectTypeOf(client.rpc<'add'>).returns.resolves.toEqualTypeOf<number>();
    expectTypeOf(client.rpc<'other'>).returns.resolves.toBeUnknown();
    expectTypeOf(client.rpc<'add'>)
      .parameter(2)
      .toEqualTypeOf<RpcOptions | undefined>();
    const typecheckOnly = (): void => {
      // @ts-expect-error: a message needs its text
      void client.publish('chat:a', {}, { event: 'message' });
      // @ts-expect-error: not an event of the chat namespace
      void client.publish('chat:a', {}, { event: 'shout' });
      // @ts-expect-error: add takes numbers
      void client.rpc('add', { a: 1, b: '2' });
    };
    expect(typecheckOnly).toBeTypeOf('function');
  });

  it('is the same client at run time', () => {
    const client = fakeClient(fake.server);
    expect(typed(client, contract)).toBe(client);
  });
});

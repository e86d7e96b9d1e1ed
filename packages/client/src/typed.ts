/**
 * @module typed
 * The client as a contract types it (`defineContract`, shared with the server's `contract`
 * option): `subscribe`, `publish` and `rpc` take and give the schemas' types on the channels
 * and methods the contract names, and `unknown` elsewhere. Types only: at run time it is the
 * same client, and the server is the one that validates.
 */
import type {
  Contract,
  ContractChannel,
  ContractEvent,
  ContractMethod,
  PublicationOf,
  PublishDataOf,
  PublishResult,
  RpcInputOf,
  RpcOutputOf,
} from '@relais/protocol';
import type { Client } from './client.js';
import type { RpcOptions } from './events.js';
import type { Subscription } from './subscription.js';
import type { PublishOptions, SubscribeOptions } from './subscription-types.js';

type Received<C extends Contract, Ch extends string> = Ch extends ContractChannel<C> ? PublicationOf<C, Ch> : unknown;
type Event<C extends Contract, Ch extends string> = Ch extends ContractChannel<C> ? ContractEvent<C, Ch> : string;
type Sent<C extends Contract, Ch extends string, Ev extends string | undefined> =
  Ch extends ContractChannel<C> ? PublishDataOf<C, Ch, Ev> : unknown;

/** The client's calls, typed by contract `C`. */
export interface TypedCalls<C extends Contract> {
  subscribe<Ch extends string>(channel: Ch, options?: SubscribeOptions): Subscription<Received<C, Ch>>;
  publish<Ch extends string, Ev extends Event<C, Ch> | undefined = undefined>(
    channel: Ch,
    data: Sent<C, Ch, Ev>,
    options?: Omit<PublishOptions, 'event'> & { event?: Ev },
  ): Promise<PublishResult>;
  rpc<M extends string>(
    method: M,
    data: M extends ContractMethod<C> ? RpcInputOf<C, M> : unknown,
    options?: RpcOptions,
  ): Promise<M extends ContractMethod<C> ? RpcOutputOf<C, M> : unknown>;
}

/** A Client whose subscribe, publish and rpc are typed by contract `C`. */
export type TypedClient<C extends Contract> = Omit<Client, 'subscribe' | 'publish' | 'rpc'> & TypedCalls<C>;

/**
 * `client`, typed by `contract` (the same object the server gets as its `contract` option).
 * @example
 * const chat = typed(new Client(url), contract);
 * chat.subscribe('chat:lobby').on('publication', (pub) => pub.data.text); // typed by the schema
 */
export function typed<C extends Contract>(client: Client, _contract: C): TypedClient<C> {
  return client as unknown as TypedClient<C>;
}

/**
 * @module contract
 * A typed contract for channels and RPCs, declared once with any Standard Schema library and
 * shared by both halves of an app: the server validates with it (option `contract`), the
 * client takes its types from it (`typed(client, contract)`). No code generation.
 *
 * @example
 * import { z } from 'zod';
 * export const contract = defineContract({
 *   channels: { chat: { events: { message: z.object({ text: z.string().min(1) }), typing: z.object({}) } } },
 *   rpc: { 'rooms.list': { input: z.object({}), output: z.object({ rooms: z.array(z.string()) }) } },
 * });
 */
import type { InferInput, InferOutput, StandardSchema } from './standard-schema.js';

/**
 * What is published on the channels of one namespace: `events` by event name, `publication`
 * for a publish with no event (or with one `events` does not list). A publish neither covers
 * is refused.
 */
export interface ChannelContract {
  readonly publication?: StandardSchema;
  readonly events?: { readonly [event: string]: StandardSchema };
}

/** The schemas of one RPC method: its `data`, and its result's `data` (types only). */
export interface RpcContract {
  readonly input?: StandardSchema;
  readonly output?: StandardSchema;
}

export interface Contract {
  /** By namespace (`chat` for `chat:lobby`). */
  readonly channels?: { readonly [namespace: string]: ChannelContract };
  /** By RPC method. */
  readonly rpc?: { readonly [method: string]: RpcContract };
}

/** Returns `contract` as it is: a helper that keeps its literal types. */
export function defineContract<const C extends Contract>(contract: C): C {
  return contract;
}

type Channels<C extends Contract> = NonNullable<C['channels']>;
type Rpcs<C extends Contract> = NonNullable<C['rpc']>;

/** The namespaces a contract types. */
export type ContractNamespace<C extends Contract> = keyof Channels<C> & string;

/** A channel of a namespace the contract types: `chat:${string}`. */
export type ContractChannel<C extends Contract> = `${ContractNamespace<C>}:${string}`;

/** The namespace of channel `Ch`. */
export type NamespaceOfChannel<Ch extends string> = Ch extends `${infer N}:${string}` ? N : '';

type ChannelEntry<C extends Contract, Ch extends string> = Channels<C>[NamespaceOfChannel<Ch>];
type Schemas<E> = (E extends { publication: infer P } ? P : never) | (E extends { events: infer Ev } ? Ev[keyof Ev] : never);
type EventSchema<E, Ev> = E extends { events: infer M } ? (Ev extends keyof M ? M[Ev] : never) : never;
type PlainSchema<E> = E extends { publication: infer P } ? P : never;
type Output<S> = S extends StandardSchema ? InferOutput<S> : never;
type Input<S> = S extends StandardSchema ? InferInput<S> : never;

/** The events a contract lists for channel `Ch`. */
export type ContractEvent<C extends Contract, Ch extends ContractChannel<C>> =
  ChannelEntry<C, Ch> extends { events: infer M } ? keyof M & string : never;

/** What a subscriber of channel `Ch` receives: the output of any of its schemas. */
export type PublicationOf<C extends Contract, Ch extends ContractChannel<C>> = Output<Schemas<ChannelEntry<C, Ch>>>;

/** What may be published to channel `Ch` with event `Ev` (none: the `publication` schema). */
export type PublishDataOf<C extends Contract, Ch extends ContractChannel<C>, Ev extends string | undefined = undefined> = [
  EventSchema<ChannelEntry<C, Ch>, Ev>,
] extends [never]
  ? Input<PlainSchema<ChannelEntry<C, Ch>>>
  : Input<EventSchema<ChannelEntry<C, Ch>, Ev>>;

/** The RPC methods a contract types. */
export type ContractMethod<C extends Contract> = keyof Rpcs<C> & string;

type RpcSchema<C extends Contract, M extends ContractMethod<C>, K extends 'input' | 'output'> = Rpcs<C>[M][K];

/** The `data` of RPC `M` (unknown without an input schema). */
export type RpcInputOf<C extends Contract, M extends ContractMethod<C>> =
  RpcSchema<C, M, 'input'> extends StandardSchema ? InferInput<RpcSchema<C, M, 'input'>> : unknown;

/** What RPC `M` answers (unknown without an output schema). */
export type RpcOutputOf<C extends Contract, M extends ContractMethod<C>> =
  RpcSchema<C, M, 'output'> extends StandardSchema ? InferOutput<RpcSchema<C, M, 'output'>> : unknown;

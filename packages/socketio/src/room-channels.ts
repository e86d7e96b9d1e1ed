/**
 * @module room-channels
 * Socket.IO rooms as relais channels. A room `r` of namespace `/` is the channel `sio:r`, of
 * namespace `/admin` the channel `sio/admin:r` (or what the `roomChannel` option says), so that
 * `io.to(r).emit(...)` reaches native subscribers of the channel and a native publish reaches
 * the sockets in the room, on every node of the engine.
 *
 * An event travels as one publication: its name is the publication's `event`, its argument the
 * publication's `data`; several arguments travel as `{ "sio:args": [...] }`.
 */
import { namespaceOf, type PublicationPush } from '@relais/protocol';
import type { Relais } from '@relais/server';
import { encodePacket } from './parser.js';

/** Maps a namespace's room to a channel; undefined keeps the room off relais (this node and the cluster only). */
export type RoomChannel = (nsp: string, room: string) => string | undefined;

/** The default mapping: `sio:<room>` on `/`, `sio<nsp>:<room>` on other namespaces. */
export const defaultRoomChannel: RoomChannel = (nsp, room) => (nsp === '/' ? `sio:${room}` : `sio${nsp}:${room}`);

/** The key several arguments travel under. */
export const ARGS_KEY = 'sio:args';

/** An event's arguments as publication data. */
export function argsToData(args: readonly unknown[]): unknown {
  return args.length === 1 && !isArgsEnvelope(args[0]) ? args[0] : { [ARGS_KEY]: args };
}

/** A publication's data as an event's arguments. */
export function dataToArgs(data: unknown): unknown[] {
  return isArgsEnvelope(data) ? [...(data as Record<string, unknown[]>)[ARGS_KEY]!] : [data];
}

function isArgsEnvelope(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as Record<string, unknown>)[ARGS_KEY])
  );
}

/**
 * The last room event encoded: the node hands one publication to every socket of the room as
 * the same push object (see InProcessPeer), so its packet is encoded once per namespace, and
 * the WebSocket transport frames it once (engine/websocket.ts). For sockets that keep no offsets.
 */
const lastRoomEvent: { nsp?: string; push?: PublicationPush; encoded?: [string, ...Buffer[]] } = {};

export function roomEventPacket(nsp: string, name: string, push: PublicationPush): [string, ...Buffer[]] {
  const last = lastRoomEvent;
  if (last.encoded && last.push === push && last.nsp === nsp) return last.encoded;
  const encoded = encodePacket({ type: 'EVENT', nsp, data: [name, ...dataToArgs(push.data)] });
  last.nsp = nsp;
  last.push = push;
  last.encoded = encoded;
  return encoded;
}

export class RoomChannels {
  readonly #relais: Relais;
  readonly #mapping: RoomChannel;
  /** Subscriptions under way on this node, by channel: a broadcast waits for them. */
  readonly #pending = new Map<string, Set<Promise<unknown>>>();
  /** The last publish to each channel from this node: the next one goes after it. */
  readonly #tails = new Map<string, Promise<void>>();

  constructor(relais: Relais, channelOf: RoomChannel) {
    this.#relais = relais;
    this.#mapping = channelOf;
  }

  /**
   * The channel of a room, when the mapping gives one that the node's namespaces allow;
   * otherwise the room stays off relais (its broadcasts go through the cluster).
   */
  channelOf(nsp: string, room: string): string | undefined {
    const channel = this.#mapping(nsp, room);
    if (channel === undefined) return undefined;
    const { listed, others } = this.#relais.options.namespaces;
    return !listed || listed.has(namespaceOf(channel)) || others ? channel : undefined;
  }

  /** Subscribes relais client `client` to `channel`; resolves false when the node refused it. */
  subscribe(client: string, channel: string): Promise<boolean> {
    const subscribing = this.#relais.subscribe(client, channel).catch(() => false);
    let set = this.#pending.get(channel);
    if (!set) this.#pending.set(channel, (set = new Set()));
    set.add(subscribing);
    void subscribing.finally(() => {
      set.delete(subscribing);
      if (set.size === 0 && this.#pending.get(channel) === set) this.#pending.delete(channel);
    });
    return subscribing;
  }

  unsubscribe(client: string, channel: string): void {
    this.#relais.unsubscribe(client, channel);
  }

  /**
   * Publishes an event to `channel`, after the subscriptions under way on this node (so that a
   * socket that joined just before gets it) and after the earlier publishes to it (so that
   * events keep their order). Rejects with the node's TypeError for data that not every
   * subscriber could receive.
   */
  publish(channel: string, event: string, args: readonly unknown[], excludeClient: string | undefined): Promise<void> {
    const previous = this.#tails.get(channel) ?? Promise.resolve();
    const published = previous.then(async () => {
      const pending = this.#pending.get(channel);
      if (pending) await Promise.all(pending);
      await this.#relais.publish(channel, argsToData(args), excludeClient === undefined ? { event } : { event, excludeClient });
    });
    const tail = published.catch(() => {});
    this.#tails.set(channel, tail);
    void tail.then(() => {
      if (this.#tails.get(channel) === tail) this.#tails.delete(channel);
    });
    return published;
  }
}

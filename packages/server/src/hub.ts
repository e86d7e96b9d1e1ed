/**
 * @module hub
 * The local registry of one node: connections by client id and by user, subscribers by channel.
 * Fan-out encodes each push once per codec in use and writes that same frame to every member.
 * Protocol v2 codecs get publications in the compact form, whose epoch is written only when a
 * subscriber on this node may not know it yet (see `handlePublication`).
 */
import { compactPublication, type Codec, type CompactPublication, type Frame, type PublicationPush, type Push } from '@relais/protocol';
import type { BrokerEventHandler, Publication } from './broker.js';
import { silentLogger, type Logger } from './logger.js';
import { frameBytes } from './transport.js';

/** What the Hub needs from a connection. */
export interface HubMember {
  readonly client: string;
  readonly user: string;
  readonly codec: Codec;
  /** Queues an already encoded frame for this connection. */
  enqueueFrame(frame: Frame): void;
  /**
   * Set on connections of a PushTransport (in-process front-ends): the fan-out hands them the
   * push itself, the same object for all of them, instead of a frame.
   */
  readonly takesPushes?: boolean;
  /** Delivers a push as a value (members that take pushes only); the fan-out counts it. */
  deliverPush?(push: Push): void;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  const had = set.has(value);
  set.add(value);
  return !had;
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): boolean {
  const set = map.get(key);
  if (!set?.delete(value)) return false;
  if (set.size === 0) map.delete(key);
  return true;
}

/** A push as it goes out to subscribers: fields left undefined are dropped. */
export function publicationPush(pub: Publication): PublicationPush {
  const push: PublicationPush = { type: 'publication', channel: pub.channel, data: pub.data };
  if (pub.event !== undefined) push.event = pub.event;
  if (pub.offset !== undefined) push.offset = pub.offset;
  if (pub.epoch !== undefined) push.epoch = pub.epoch;
  if (pub.info !== undefined) push.info = pub.info;
  return push;
}

/** The members of one fan-out that use one codec: its frame (undefined: it could not encode the push). */
interface CodecGroup {
  readonly frame: Frame | undefined;
  members: number;
}

function groupBytes(group: CodecGroup | undefined): number {
  return group?.frame === undefined ? 0 : group.members * frameBytes(group.frame);
}

/** Publications held for one member during one subscribe, at most (see `hold`). */
export const DEFAULT_MAX_HELD = 10_000;

/** `take`'s answer when more publications arrived during the subscribe than could be held. */
export const HELD_OVERFLOW = Symbol('held overflow');

/**
 * Counts what a fan-out queued: called once per fan-out (never per member), with the number
 * of members written to and the bytes of all their frames. `channel` is undefined for pushes
 * to chosen members (sendToUser).
 */
export interface FanOutMeter {
  fannedOut(channel: string | undefined, kind: 'publication' | 'push', count: number, bytes: number): void;
}

export interface HubOptions {
  /** Publications held per member during one subscribe before giving up on it. @default 10000 */
  maxHeld?: number;
  /** Where a push that cannot be encoded is reported. @default silentLogger */
  logger?: Logger;
  /** Counts every fan-out. @default none */
  meter?: FanOutMeter;
}

export class Hub<M extends HubMember = HubMember> implements Pick<BrokerEventHandler, 'handlePublication'> {
  readonly #byClient = new Map<string, M>();
  readonly #byUser = new Map<string, Set<M>>();
  readonly #byChannel = new Map<string, Set<M>>();
  /** Publications held for members being subscribed (see `hold`), by channel then member. */
  readonly #held = new Map<string, Map<M, Publication[] | typeof HELD_OVERFLOW>>();
  /** By channel: the epoch every subscriber on this node was last told (see `handlePublication`). */
  readonly #epochs = new Map<string, string>();
  readonly #maxHeld: number;
  readonly #logger: Logger;
  readonly #meter: FanOutMeter | undefined;
  /** The codec groups of the last #fanOut: the only one, or all of them when there were several. */
  #lastGroup: CodecGroup | undefined;
  #lastGroups: Map<Codec, CodecGroup> | undefined;

  constructor({ maxHeld = DEFAULT_MAX_HELD, logger = silentLogger, meter }: HubOptions = {}) {
    this.#maxHeld = maxHeld;
    this.#logger = logger;
    this.#meter = meter;
  }

  /** Registers a connected member under its client id and user. */
  add(member: M): void {
    this.#byClient.set(member.client, member);
    addTo(this.#byUser, member.user, member);
  }

  /** Removes a member from the client and user indexes (its channels are removed one by one). */
  remove(member: M): void {
    if (this.#byClient.get(member.client) === member) this.#byClient.delete(member.client);
    removeFrom(this.#byUser, member.user, member);
  }

  get(client: string): M | undefined {
    return this.#byClient.get(client);
  }

  /** Connections of a user, on this node. */
  ofUser(user: string): readonly M[] {
    return [...(this.#byUser.get(user) ?? [])];
  }

  /** Every registered member. */
  members(): readonly M[] {
    return [...this.#byClient.values()];
  }

  /**
   * Adds a subscriber; returns false when it already was one. Its subscribe reply may have
   * given another epoch than the channel's last publication here: the next one carries it.
   */
  subscribe(channel: string, member: M): boolean {
    const added = addTo(this.#byChannel, channel, member);
    if (added) this.#epochs.delete(channel);
    return added;
  }

  /** Removes a subscriber; returns false when it was not one. */
  unsubscribe(channel: string, member: M): boolean {
    const removed = removeFrom(this.#byChannel, channel, member);
    if (removed && !this.#byChannel.has(channel)) this.#epochs.delete(channel);
    return removed;
  }

  /**
   * Starts holding the publications of `channel` for `member` until `take` or `drop`: a
   * subscribe reads the stream position after the broker subscription, and the publications
   * that arrive until the member is added would otherwise fall between the two. Past `maxHeld`
   * publications (a history read that hangs on a busy channel) the hold gives up: memory stays
   * bounded, and `take` answers HELD_OVERFLOW, so the caller cannot pretend nothing was missed.
   */
  hold(channel: string, member: M): void {
    let held = this.#held.get(channel);
    if (!held) this.#held.set(channel, (held = new Map()));
    held.set(member, []);
  }

  /** Holds in progress, over all channels (see `hold`). */
  get holds(): number {
    let count = 0;
    for (const held of this.#held.values()) count += held.size;
    return count;
  }

  /** Stops holding and returns what was held (excluded publications left out), or HELD_OVERFLOW. */
  take(channel: string, member: M): Publication[] | typeof HELD_OVERFLOW {
    const held = this.#held.get(channel);
    const pubs = held?.get(member) ?? [];
    this.drop(channel, member);
    if (pubs === HELD_OVERFLOW) return HELD_OVERFLOW;
    return pubs.filter((pub) => pub.excludeClient !== member.client);
  }

  drop(channel: string, member: M): void {
    const held = this.#held.get(channel);
    if (!held?.delete(member)) return;
    if (held.size === 0) this.#held.delete(channel);
  }

  /** Subscribers of `channel` on this node. */
  subscribers(channel: string): readonly M[] {
    return [...(this.#byChannel.get(channel) ?? [])];
  }

  subscriberCount(channel: string): number {
    return this.#byChannel.get(channel)?.size ?? 0;
  }

  /** Every channel with subscribers on this node, and how many. */
  *channelCounts(): IterableIterator<[channel: string, subscribers: number]> {
    for (const [channel, members] of this.#byChannel) yield [channel, members.size];
  }

  /**
   * Writes `push` to every subscriber of `channel` except `excludeClient`. The push is encoded
   * lazily, at most once per codec, and the same frame goes to every subscriber using it. A
   * push one codec cannot encode is logged and skipped for that codec's subscribers only.
   * Returns the number of subscribers written to.
   */
  broadcast(channel: string, push: Push, excludeClient?: string): number {
    return this.#broadcast(channel, push, undefined, excludeClient);
  }

  #broadcast(channel: string, push: Push, compact: CompactPublication | undefined, excludeClient: string | undefined): number {
    const members = this.#byChannel.get(channel);
    if (!members) return 0;
    const count = this.#fanOut(members, push, compact, excludeClient);
    this.#meter?.fannedOut(channel, push.type === 'publication' ? 'publication' : 'push', count, this.#fanOutBytes());
    return count;
  }

  /** Writes `push` to each of `members`, encoding once per codec. */
  fanOut(members: Iterable<M>, push: Push): number {
    const count = this.#fanOut(members, push, undefined, undefined);
    const channel = 'channel' in push ? push.channel : undefined;
    this.#meter?.fannedOut(channel, push.type === 'publication' ? 'publication' : 'push', count, this.#fanOutBytes());
    return count;
  }

  handlePublication(pub: Publication): void {
    const holds = this.#held.get(pub.channel);
    if (holds) {
      for (const [member, held] of holds) {
        if (held === HELD_OVERFLOW) continue;
        if (held.length < this.#maxHeld) held.push(pub);
        else holds.set(member, HELD_OVERFLOW);
      }
    }
    const push = publicationPush(pub);
    this.#broadcast(pub.channel, push, this.#compact(push, pub.excludeClient), pub.excludeClient);
  }

  /** The epoch every subscriber of `channel` here was last told by a publication, if one was. */
  toldEpoch(channel: string): string | undefined {
    return this.#epochs.get(channel);
  }

  /**
   * The compact form of a publication push for v2 subscribers. Its epoch is left out when every
   * subscriber here was last told that same epoch: by the previous publication (which went to
   * all of them), never by a subscribe reply (`subscribe` forgets the channel's epoch). A
   * publication that skips a connection (excludeSelf) does not tell it: when it changes the
   * epoch, the next publication carries the epoch again.
   */
  #compact(push: PublicationPush, excludeClient: string | undefined): CompactPublication {
    const { channel, epoch } = push;
    if (epoch === undefined) return compactPublication(push, false);
    const told = this.#epochs.get(channel) === epoch;
    if (!told) {
      if (excludeClient === undefined && this.#byChannel.has(channel)) this.#epochs.set(channel, epoch);
      else this.#epochs.delete(channel);
    }
    return compactPublication(push, !told);
  }

  #fanOut(members: Iterable<M>, push: Push, compact: CompactPublication | undefined, excludeClient: string | undefined): number {
    // Almost every member uses the same codec: the last one used and its group (frame and
    // member count) are kept at hand, and a map is made only when members use several. A group
    // counts its members run by run, at codec changes only: the metrics cost nothing per member.
    // A frame of undefined: this codec could not encode the push.
    let lastCodec: Codec | undefined;
    let lastFrame: Frame | undefined;
    let lastGroup: CodecGroup | undefined;
    let groups: Map<Codec, CodecGroup> | undefined;
    let count = 0;
    let runStart = 0;
    // Members given the push as a value: out of the codec groups' runs (they carry no bytes).
    let pushed = 0;
    for (const member of members) {
      if (member.client === excludeClient) continue;
      if (member.takesPushes === true) {
        // An in-process front-end: the push as a value, no frame (counted, with no bytes).
        member.deliverPush!(push);
        pushed++;
        continue;
      }
      const codec = member.codec;
      if (codec !== lastCodec) {
        if (lastGroup !== undefined) lastGroup.members += count - runStart;
        runStart = count;
        let group = groups?.get(codec);
        if (group === undefined) {
          group = { frame: this.#encode(codec, codec.version === 2 && compact !== undefined ? compact : push), members: 0 };
          if (lastGroup !== undefined) {
            if (groups === undefined) {
              groups = new Map();
              groups.set(lastCodec as Codec, lastGroup);
            }
            groups.set(codec, group);
          }
        }
        lastGroup = group;
        lastCodec = codec;
        lastFrame = group.frame;
      }
      if (lastFrame === undefined) continue;
      member.enqueueFrame(lastFrame);
      count++;
    }
    if (lastGroup !== undefined) lastGroup.members += count - runStart;
    this.#lastGroup = lastGroup;
    this.#lastGroups = groups;
    return count + pushed;
  }

  /** Bytes the last fan-out queued over all its members. */
  #fanOutBytes(): number {
    if (this.#lastGroups === undefined) return groupBytes(this.#lastGroup);
    let bytes = 0;
    for (const group of this.#lastGroups.values()) bytes += groupBytes(group);
    return bytes;
  }

  #encode(codec: Codec, push: Push | CompactPublication): Frame | undefined {
    try {
      return codec.encode(push);
    } catch (error) {
      // Every source of data is checked before it gets here (docs/protocol.md §9): this is a
      // bug. It must not keep the other encodings' subscribers from the push.
      const channel = 'c' in push ? push.c : 'channel' in push ? push.channel : undefined;
      this.#logger.error(
        { err: error, codec: codec.name, type: 'type' in push ? push.type : 'publication', channel },
        'push cannot be encoded: not delivered to this encoding',
      );
      return undefined;
    }
  }
}

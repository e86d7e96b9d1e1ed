/**
 * @module namespace-broadcast
 * How a namespace's broadcast travels: to one room (but the sender), as a publication on the
 * room's channel, which native subscribers get too; otherwise (the whole namespace, several
 * rooms, excepted rooms, binary data) to every node of the cluster, each writing one encoded
 * packet to its own selected sockets.
 */
import { decodeEncoded, encodePacket, hasBinary } from './parser.js';
import type { FrontEnd, RemoteSocket } from './roles.js';
import { Socket } from './socket.js';

/** The namespace as its broadcasts see it. */
export interface BroadcastingNamespace {
  readonly name: string;
  readonly server: FrontEnd;
  /** This node's connected sockets, by id. */
  readonly sockets: ReadonlyMap<string, Socket>;
}

/** Sends an event to the sockets of `nsp` in any of `rooms` (all when empty) but those in `except`, on every node. */
export function broadcastEvent(
  nsp: BroadcastingNamespace,
  event: string,
  args: unknown[],
  rooms: ReadonlySet<string>,
  except: ReadonlySet<string>,
): void {
  const { server } = nsp;
  const channels = server.roomChannels;
  const sender = except.size === 1 ? nsp.sockets.get([...except][0]!) : undefined;
  const [room] = rooms;
  const channel =
    channels && rooms.size === 1 && (except.size === 0 || sender) && !hasBinary(args) ? channels.channelOf(nsp.name, room!) : undefined;
  const everywhere = (): void => {
    const encoded = encodePacket({ type: 'EVENT', nsp: nsp.name, data: [event, ...args] });
    server.clusterBroadcast
      .send(nsp.name, encoded, rooms, except)
      .catch((error: unknown) => server.reportError(error, 'cluster broadcast'));
  };
  if (channel === undefined) {
    everywhere();
    return;
  }
  channels!.publish(channel, event, args, sender?.link?.client).catch((error: unknown) => {
    // Data a channel cannot carry (see relais.publish): the cluster carries it instead.
    server.logger.debug({ err: error, channel }, 'socket.io: room publish refused, broadcasting through the cluster');
    everywhere();
  });
}

/** Writes an encoded packet to `selected` sockets of this node (`key`: the broadcast's, for recovery across nodes). */
export function deliverLocal(selected: Iterable<RemoteSocket>, encoded: [string, ...Buffer[]], key?: string): void {
  let event: unknown[] | undefined;
  // Decoded once, and only for sockets that keep offsets (connection state recovery).
  const decoded = (): unknown[] => (event ??= decodeEncoded(encoded));
  for (const socket of selected) if (socket instanceof Socket) socket.writeEncoded(encoded, decoded, key);
}

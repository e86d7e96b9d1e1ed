/**
 * @module rooms
 * Which sockets of a namespace are in which room, on this node. Every socket is in the room
 * named after its id.
 */

/** A socket as the room table sees it. */
export interface RoomMember {
  readonly id: string;
}

/** The `adapter` socket.io apps read: rooms and their socket ids, on this node. */
export interface NamespaceAdapter {
  readonly rooms: Map<string, Set<string>>;
  readonly sids: Map<string, Set<string>>;
}

export class Rooms<S extends RoomMember> {
  readonly #members = new Map<string, Set<S>>();
  readonly #rooms = new Map<S, Set<string>>();

  /** Adds `socket` to `room`; returns whether it was not in it yet. */
  join(socket: S, room: string): boolean {
    let members = this.#members.get(room);
    if (!members) this.#members.set(room, (members = new Set()));
    if (members.has(socket)) return false;
    members.add(socket);
    let rooms = this.#rooms.get(socket);
    if (!rooms) this.#rooms.set(socket, (rooms = new Set()));
    rooms.add(room);
    return true;
  }

  /** Removes `socket` from `room`; returns whether it was in it. */
  leave(socket: S, room: string): boolean {
    const members = this.#members.get(room);
    if (!members?.delete(socket)) return false;
    if (members.size === 0) this.#members.delete(room);
    const rooms = this.#rooms.get(socket);
    rooms?.delete(room);
    if (rooms?.size === 0) this.#rooms.delete(socket);
    return true;
  }

  /** The rooms `socket` is in (a copy). */
  roomsOf(socket: S): Set<string> {
    return new Set(this.#rooms.get(socket));
  }

  /** Rooms with at least one member here. */
  get rooms(): ReadonlyMap<string, ReadonlySet<S>> {
    return this.#members;
  }

  /** Sockets in any of `rooms` (all of `everyone` when `rooms` is empty), minus those in any of `except`. */
  select(rooms: ReadonlySet<string>, except: ReadonlySet<string>, everyone: Iterable<S>): Set<S> {
    const excluded = new Set<S>();
    for (const room of except) for (const socket of this.#members.get(room) ?? []) excluded.add(socket);
    const selected = new Set<S>();
    const sources = rooms.size === 0 ? [everyone] : [...rooms].map((room) => this.#members.get(room) ?? []);
    for (const source of sources) for (const socket of source) if (!excluded.has(socket)) selected.add(socket);
    return selected;
  }

  /** The rooms and their members' ids, and the rooms of each of `sockets`, as socket.io's adapter shows them. */
  adapter(sockets: Iterable<S>): NamespaceAdapter {
    const rooms = new Map<string, Set<string>>();
    for (const [room, members] of this.rooms) rooms.set(room, new Set([...members].map((socket) => socket.id)));
    const sids = new Map<string, Set<string>>();
    for (const socket of sockets) sids.set(socket.id, this.roomsOf(socket));
    return { rooms, sids };
  }
}

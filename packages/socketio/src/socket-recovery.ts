/**
 * @module socket-recovery
 * What one socket keeps under connection state recovery, created only when it is on: its
 * private session id, the events it was sent with their offsets, the timer of a cut-off socket,
 * the events held while it comes over from another node, and the stream position of each of its
 * room channels (what a hand-over tells the next node; see remote-recovery).
 */
import type { StreamPosition } from '@relais/protocol';
import { RecoveryBuffer, type KeptEvent } from './recovery.js';

/** A room publication's key across nodes (see KeptEvent). */
export const publicationKey = (channel: string, position: StreamPosition): string => `c:${channel}:${position.epoch}:${position.offset}`;

export class SocketRecovery {
  /** The private session id the client echoes to come back. */
  readonly pid: string;
  /** The events sent, by offset. */
  readonly buffer: RecoveryBuffer;
  /** Set while the socket is cut off, waiting for its client (its end is `forget`). */
  suspended: NodeJS.Timeout | undefined;
  /** Coming from another node: the events that came meanwhile, sent once the hand-over completes. */
  held: KeptEvent[] | undefined;
  /** The position of the last publication received on each room channel (for a hand-over). */
  readonly positions = new Map<string, StreamPosition>();
  /**
   * After a hand-over, the last room publication sent per channel (some read from history): the
   * same publications still arriving live are dropped. Created by the hand-over only.
   */
  #sentUpTo: Map<string, StreamPosition> | undefined;

  constructor(pid: string, maxEvents: number) {
    this.pid = pid;
    this.buffer = new RecoveryBuffer(maxEvents);
  }

  /** A room publication at `position` arrives: false when the hand-over sent it already; otherwise its position is kept. */
  arrived(channel: string, position: StreamPosition): boolean {
    const sent = this.#sentUpTo?.get(channel);
    if (sent && sent.epoch === position.epoch && position.offset <= sent.offset) return false;
    if (sent) this.#sentUpTo!.delete(channel);
    this.positions.set(channel, position);
    return true;
  }

  /**
   * The hand-over sends `events`: the room publications among them (by key) count as sent, so
   * that the same ones arriving live afterwards are dropped. Returns their keys.
   */
  sending(events: readonly KeptEvent[]): Set<string> {
    const known = new Set(events.flatMap((event) => (event.key === undefined ? [] : [event.key])));
    for (const key of known) {
      const match = /^c:(.*):([^:]*):(\d+)$/.exec(key);
      if (!match) continue;
      const [, channel, epoch, offset] = match as unknown as [string, string, string, string];
      const sentUpTo = (this.#sentUpTo ??= new Map());
      const sent = sentUpTo.get(channel);
      if (!sent || sent.epoch !== epoch || sent.offset < Number(offset)) sentUpTo.set(channel, { epoch, offset: Number(offset) });
    }
    return known;
  }
}

/**
 * @module chat/lib/timeline
 * The messages of one room, pure: ordered by server time, each message at most once (by id),
 * bounded. Live, recovered and history messages are all merged through it.
 */
import type { ChatMessage } from '../../shared/protocol.js';

/** Most messages kept per room, oldest dropped first. */
export const MAX_MESSAGES_PER_ROOM = 500;

/**
 * Returns `list` with `incoming` merged in: messages already present (same id) are skipped, the
 * result is sorted by `at` (stable for equal times) and holds at most `max` messages.
 */
export function mergeMessages(list: readonly ChatMessage[], incoming: readonly ChatMessage[], max = MAX_MESSAGES_PER_ROOM): ChatMessage[] {
  const seen = new Set(list.map((m) => m.id));
  const fresh = incoming.filter((m) => {
    if (seen.has(m.id)) return false;
    seen.add(m.id);
    return true;
  });
  if (fresh.length === 0) return list as ChatMessage[];
  const last = list.at(-1);
  // The common case: one live message, newer than everything: append without sorting.
  const merged =
    fresh.length === 1 && (!last || last.at <= fresh[0]!.at) ? [...list, ...fresh] : [...list, ...fresh].sort((a, b) => a.at - b.at);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}

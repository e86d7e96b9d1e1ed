/**
 * @module chat/lib/typing
 * "X is typing…", pure: who is typing (each author until an expiry time), the sentence shown,
 * and the throttle that keeps this tab from announcing its typing on every keystroke.
 */

/** How long an author shows as typing after their last notice, in ms. */
export const TYPING_EXPIRY_MS = 5000;
/** This tab announces its typing at most once per this many ms (well under the expiry). */
export const TYPING_THROTTLE_MS = 2000;

/** Authors typing, each with the time (ms) their typing stops showing. */
export type Typists = Readonly<Record<string, number>>;

/** `typists` with `author` typing until `until`. */
export function noteTyping(typists: Typists, author: string, until: number): Typists {
  return { ...typists, [author]: Math.max(until, typists[author] ?? 0) };
}

/** `typists` without `authors` (they sent a message); the same object when none was typing. */
export function stopTyping(typists: Typists, authors: Iterable<string>): Typists {
  let next: Record<string, number> | undefined;
  for (const author of authors) {
    if (!(author in (next ?? typists))) continue;
    next ??= { ...typists };
    delete next[author];
  }
  return next ?? typists;
}

/** `typists` without those expired at `now`; the same object when none expired. */
export function expireTyping(typists: Typists, now: number): Typists {
  const expired = Object.keys(typists).filter((author) => typists[author]! <= now);
  return expired.length === 0 ? typists : stopTyping(typists, expired);
}

/** The earliest expiry, or undefined when nobody is typing. */
export function nextExpiry(typists: Typists): number | undefined {
  const times = Object.values(typists);
  return times.length === 0 ? undefined : Math.min(...times);
}

/** "Ada is typing…", "Ada and Bob are typing…", "Ada, Bob and Cy are typing…", "4 people are typing…". */
export function typingText(authors: readonly string[]): string | undefined {
  const names = [...authors].sort((a, b) => a.localeCompare(b));
  if (names.length === 0) return undefined;
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length <= 3) return `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are typing…`;
  return `${names.length} people are typing…`;
}

/** Lets an action through at most once per `intervalMs` (the first one at once). */
export class Throttle {
  readonly #intervalMs: number;
  readonly #now: () => number;
  #last = -Infinity;

  constructor(intervalMs: number, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /** True when the action may run now (and counts it). */
  take(): boolean {
    const now = this.#now();
    if (now - this.#last < this.#intervalMs) return false;
    this.#last = now;
    return true;
  }

  /** Lets the next action through at once (after the user sent their message). */
  reset(): void {
    this.#last = -Infinity;
  }
}

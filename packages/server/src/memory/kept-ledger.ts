/**
 * @module memory/kept-ledger
 * Every publication the memory engine keeps, over all channels, in the order they were
 * appended, with their total size: the node-wide history cap drops from its oldest end.
 * An intrusive doubly linked list, so adding, removing any entry and finding the oldest are
 * O(1), and nothing lingers once removed.
 */

/** An entry of the ledger: its size, and its neighbours (managed by the ledger only). */
export interface LedgerEntry {
  readonly bytes: number;
  older: LedgerEntry | undefined;
  newer: LedgerEntry | undefined;
}

export class KeptLedger<T extends LedgerEntry> {
  #oldest: T | undefined;
  #newest: T | undefined;
  #bytes = 0;
  #count = 0;

  /** Total `bytes` of the entries held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held. */
  get count(): number {
    return this.#count;
  }

  /** The entry added first among those still held. */
  get oldest(): T | undefined {
    return this.#oldest;
  }

  /** Adds `entry` as the newest. It must not be held already. */
  add(entry: T): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
    this.#bytes += entry.bytes;
    this.#count++;
  }

  /** Removes `entry`, which must be held. */
  remove(entry: T): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer as T | undefined;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older as T | undefined;
    entry.older = entry.newer = undefined;
    this.#bytes -= entry.bytes;
    this.#count--;
  }
}

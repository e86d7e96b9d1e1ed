/**
 * @module counter/server/counter
 * Server half of the click counter (seed 001): one global count in this node's memory, read and
 * incremented by RPC, and announced on the `demo:counter` channel after every click.
 */
import type { Relais } from '@relais/server';
import { COUNTER_CHANNEL, COUNTER_GET_RPC, COUNTER_INCREMENT_RPC, type CounterState } from '../shared/protocol.js';

/** Where a click came from: the native page (RPC) or the Socket.IO page. */
export type ClickSource = 'native' | 'socketio';

/** Called after each click with the new count and where the click came from. */
export type ClickListener = (count: number, source: ClickSource) => void;

/** The one count of a node, shared by the native page and the Socket.IO page. */
export class ClickCounter {
  readonly #relais: Relais;
  readonly #listeners = new Set<ClickListener>();
  #count = 0;

  constructor(relais: Relais) {
    this.#relais = relais;
  }

  get count(): number {
    return this.#count;
  }

  /** Adds one click, announces `{ count }` on `demo:counter`, then tells the listeners. */
  async click(source: ClickSource): Promise<number> {
    this.#count += 1;
    const count = this.#count;
    await this.#relais.publish(COUNTER_CHANNEL, { count } satisfies CounterState);
    for (const listener of [...this.#listeners]) listener(count, source);
    return count;
  }

  /** Listens to clicks; returns a disposer. */
  onClick(listener: ClickListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** Registers the counter's RPCs on `relais` (over `counter`, a new one by default); returns a disposer removing them. */
export function installCounter(relais: Relais, counter = new ClickCounter(relais)): () => void {
  const disposers = [
    relais.rpc(COUNTER_GET_RPC, (): CounterState => ({ count: counter.count })),
    relais.rpc(COUNTER_INCREMENT_RPC, async (): Promise<CounterState> => ({ count: await counter.click('native') })),
  ];
  return () => {
    for (const dispose of disposers) dispose();
  };
}

/**
 * @module cluster/memory-control-link
 * ControlLinks for nodes in one process: every link on one MemoryControlHub is one cluster.
 */
import type { ControlLink } from './control-link.js';

/** What the links of one in-process cluster share. */
export class MemoryControlHub {
  readonly #nodes = new Map<string, (message: string) => void>();

  join(nodeId: string, onMessage: (message: string) => void): void {
    if (this.#nodes.has(nodeId)) throw new Error(`a node with id ${nodeId} is already on this control hub`);
    this.#nodes.set(nodeId, onMessage);
  }

  leave(nodeId: string): void {
    this.#nodes.delete(nodeId);
  }

  /** Delivers on a later microtask, as a network would: never inside the sender's call. */
  deliver(to: string | undefined, message: string): void {
    const targets = to === undefined ? [...this.#nodes.values()] : [this.#nodes.get(to)].filter((target) => target !== undefined);
    if (targets.length === 0) return;
    queueMicrotask(() => {
      for (const target of targets) target(message);
    });
  }
}

export class MemoryControlLink implements ControlLink {
  readonly #hub: MemoryControlHub;
  #nodeId: string | undefined;
  #closed = false;

  constructor(hub: MemoryControlHub = new MemoryControlHub()) {
    this.#hub = hub;
  }

  async start(nodeId: string, onMessage: (message: string) => void): Promise<void> {
    if (this.#closed) throw new Error('MemoryControlLink is closed');
    if (this.#nodeId !== undefined) throw new Error('MemoryControlLink already started');
    this.#hub.join(nodeId, onMessage);
    this.#nodeId = nodeId;
  }

  async send(to: string | undefined, message: string): Promise<void> {
    if (this.#closed) throw new Error('MemoryControlLink is closed');
    this.#hub.deliver(to, message);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#nodeId !== undefined) this.#hub.leave(this.#nodeId);
  }
}

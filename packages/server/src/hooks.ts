/**
 * @module hooks
 * Registries of application hooks; every registration returns a disposer.
 */
import type { ConnectingHook, MessageHook, PublishHook, RpcHandler, SubscribeHook } from './events.js';

/** An ordered list of hooks; they run in registration order. */
export class HookList<H> {
  #hooks: H[] = [];

  add(hook: H): () => void {
    this.#hooks = [...this.#hooks, hook];
    return () => {
      this.#hooks = this.#hooks.filter((h) => h !== hook);
    };
  }

  /** A stable copy: hooks added or removed while running do not affect the current run. */
  list(): readonly H[] {
    return this.#hooks;
  }
}

/** Every hook of a node. */
export class Hooks {
  readonly connecting = new HookList<ConnectingHook>();
  readonly subscribe = new HookList<SubscribeHook>();
  readonly publish = new HookList<PublishHook>();
  readonly message = new HookList<MessageHook>();
  readonly #rpc = new Map<string, RpcHandler>();

  /** Registers the handler of an RPC method; a second handler for the same method throws. */
  addRpc(method: string, handler: RpcHandler): () => void {
    if (typeof method !== 'string' || method === '') throw new TypeError('rpc method must be a non-empty string');
    if (this.#rpc.has(method)) throw new TypeError(`rpc method ${JSON.stringify(method)} already has a handler`);
    this.#rpc.set(method, handler);
    return () => {
      if (this.#rpc.get(method) === handler) this.#rpc.delete(method);
    };
  }

  rpc(method: string): RpcHandler | undefined {
    return this.#rpc.get(method);
  }
}

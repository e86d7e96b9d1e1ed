/**
 * @module hooks
 * Registries of application hooks; every registration returns a disposer.
 */
import type { ConnectingHook, MessageHook, PublishHook, RefreshHook, RpcHandler, SubRefreshHook, SubscribeHook } from './events.js';

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
  readonly refresh = new HookList<RefreshHook>();
  readonly subRefresh = new HookList<SubRefreshHook>();
  readonly #rpc = new Map<string, RpcHandler>();
  #rpcRoutes: { pattern: RegExp; handler: RpcHandler }[] = [];

  /** Registers the handler of an RPC method; a second handler for the same method throws. */
  addRpc(method: string, handler: RpcHandler): () => void {
    if (typeof method !== 'string' || method === '') throw new TypeError('rpc method must be a non-empty string');
    if (this.#rpc.has(method)) throw new TypeError(`rpc method ${JSON.stringify(method)} already has a handler`);
    this.#rpc.set(method, handler);
    return () => {
      if (this.#rpc.get(method) === handler) this.#rpc.delete(method);
    };
  }

  /** Registers a handler for the methods `pattern` matches that have no handler of their own. */
  addRpcRoute(pattern: RegExp, handler: RpcHandler): () => void {
    const route = { pattern, handler };
    this.#rpcRoutes = [...this.#rpcRoutes, route];
    return () => {
      this.#rpcRoutes = this.#rpcRoutes.filter((r) => r !== route);
    };
  }

  /** The handler of `method`: its own, else the first route that matches. */
  rpc(method: string): RpcHandler | undefined {
    return this.#rpc.get(method) ?? this.#rpcRoutes.find((route) => route.pattern.test(method))?.handler;
  }
}

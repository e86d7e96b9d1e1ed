/**
 * @module socket-events
 * The listener side of a socket, as socket.io's `Socket` has it: `on/once/off`, `onAny` and
 * `socket.use` middlewares for incoming events, and the events the socket itself emits
 * (`disconnecting`, `disconnect`, `error`). Socket extends it, as socket.io's extends its
 * event emitter.
 */
import { Listeners, type Listener } from './listeners.js';
import { runMiddlewares, type Middleware } from './middlewares.js';

/** A socket middleware (`socket.use`): sees each incoming event before its listeners. */
export type EventMiddleware = Middleware<[string, ...unknown[]]>;

export abstract class SocketEvents {
  readonly #listeners: Listeners;
  // Created on first use: most sockets have no onAny listener and no socket.use.
  #any: Listener[] | undefined;
  #middlewares: EventMiddleware[] | undefined;

  /** `onError`: where an error thrown by a listener goes. */
  constructor(onError: (error: unknown, event: string) => void) {
    this.#listeners = new Listeners(onError);
  }

  on(event: string, listener: Listener): this {
    this.#listeners.on(event, listener);
    return this;
  }

  once(event: string, listener: Listener): this {
    this.#listeners.once(event, listener);
    return this;
  }

  off(event: string, listener?: Listener): this {
    this.#listeners.off(event, listener);
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    return this.off(event, listener);
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.#listeners.clear();
    else this.#listeners.off(event);
    return this;
  }

  listeners(event: string): Listener[] {
    return this.#listeners.listeners(event);
  }

  /** Listens to every incoming event: `(event, ...args)`. */
  onAny(listener: Listener): this {
    (this.#any ??= []).push(listener);
    return this;
  }

  prependAny(listener: Listener): this {
    (this.#any ??= []).unshift(listener);
    return this;
  }

  offAny(listener?: Listener): this {
    if (!listener) this.#any = undefined;
    else if (this.#any?.includes(listener)) this.#any.splice(this.#any.indexOf(listener), 1);
    return this;
  }

  listenersAny(): Listener[] {
    return [...(this.#any ?? [])];
  }

  /** Adds a middleware for incoming events; `next(error)` drops the event and emits `error`. */
  use(middleware: EventMiddleware): this {
    (this.#middlewares ??= []).push(middleware);
    return this;
  }

  /** Emits one of the socket's own events (`disconnecting`, `disconnect`) to its listeners. */
  protected emitOwn(event: string, args: unknown[]): void {
    this.#listeners.emit(event, args);
  }

  /**
   * An incoming event `[name, ...args]` goes through the middlewares, then to the onAny
   * listeners and those of its name, if `live()` still holds; a middleware's error is emitted
   * as `error` instead.
   */
  protected dispatch(event: [string, ...unknown[]], live: () => boolean): void {
    const deliver = (error?: Error): void => {
      if (error) {
        // Deferred, as in socket.io: an `error` listener added after the middleware still hears it.
        queueMicrotask(() => this.#listeners.emit('error', [error]));
        return;
      }
      if (!live()) return;
      for (const listener of [...(this.#any ?? [])]) this.#listeners.call(listener, event, '*');
      this.#listeners.emit(event[0], event.slice(1));
    };
    if (this.#middlewares) runMiddlewares(this.#middlewares, event, deliver);
    else deliver();
  }
}

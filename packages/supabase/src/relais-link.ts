/**
 * @module relais-link
 * One relais connection held by the Supabase front-end: a Transport handed to `relais.accept`,
 * so that the node's verifier, connect hooks, limits and metrics apply to it as to a native
 * connection. It speaks the relais protocol (JSON) with its session in-process for commands:
 * calls that resolve with their result (or reject with LinkError). Pushes come as values (it is
 * a PushTransport: nothing encoded and decoded again) and go to `onPush`; the node sends such a
 * connection no heartbeat pings. (Not yet moved onto `relais.connectInProcess`, which takes no
 * client commands.)
 */
import { jsonCodec, type Frame, type Push } from '@relais/protocol';
import type { ClientDetails, PushTransport, Relais, Session, TransportInfo } from '@relais/server';

/** The name hooks see in `transport.name` for the front-end's connections. */
export const LINK_TRANSPORT_NAME = 'supabase';

/** A relais command the node refused (its reply error), or the connection closing. */
export class LinkError extends Error {
  override readonly name = 'LinkError';
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** What the link reports to its owner. */
export interface LinkEvents {
  /** A push of the relais protocol (publication, join, leave, unsubscribe, message). */
  onPush(push: Push): void;
  /** The node closed the connection (a limit, a kick, shutdown, token expiry). */
  onClose(code: number, reason: string): void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: LinkError): void;
}

export class RelaisLink implements PushTransport {
  readonly codec = jsonCodec;
  readonly info: TransportInfo;
  readonly #relais: Relais;
  readonly #events: LinkEvents;
  readonly #bufferedBytes: () => number;
  readonly #pending = new Map<number, Pending>();
  #session: Session | undefined;
  #nextId = 1;
  #closed = false;

  constructor(relais: Relais, info: Omit<TransportInfo, 'name'>, events: LinkEvents, bufferedBytes: () => number) {
    this.#relais = relais;
    this.info = { ...info, name: LINK_TRANSPORT_NAME };
    this.#events = events;
    this.#bufferedBytes = bufferedBytes;
  }

  get bufferedBytes(): number {
    return this.#bufferedBytes();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Opens the relais connection; resolves with the connect result, rejects with LinkError. */
  open(params: { token?: string; data?: unknown }): Promise<{ client: string; user: string }> {
    const session = this.#relais.accept(this);
    if (!session) return Promise.reject(new LinkError(3001, 'the node refused the connection'));
    this.#session = session;
    const connect: Record<string, unknown> = { name: 'supabase-realtime' };
    if (params.token !== undefined) connect.token = params.token;
    if (params.data !== undefined) connect.data = params.data;
    return this.call('connect', connect) as Promise<{ client: string; user: string }>;
  }

  /** Who the opened connection is (user, verified claims), as hooks see it; undefined before `open`. */
  details(): ClientDetails | undefined {
    return this.#session?.details();
  }

  /** Sends one command; resolves with its result, rejects with LinkError. */
  call(method: string, params: unknown): Promise<unknown> {
    if (this.#closed || !this.#session) return Promise.reject(new LinkError(3000, 'connection closed'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#session!.handleMessage(this.codec.encode({ id, method, params }));
    });
  }

  /** The front-end side ended: the relais connection ends too. Idempotent. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending(3000, 'connection closed');
    this.#session?.handleClose(1000);
  }

  /** PushTransport: a push as a value (the same object for every connection one publication reaches). */
  push(value: Push): void {
    if (this.#closed || value.type === 'ping' || value.type === 'disconnect') return;
    this.#events.onPush(value);
  }

  write(frame: Frame): void {
    for (const value of this.codec.decode(frame) as Array<Record<string, unknown>>) this.#receive(value);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failPending(code, reason || 'connection closed');
    this.#events.onClose(code, reason);
  }

  #failPending(code: number, reason: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(new LinkError(code, reason));
  }

  #receive(value: Record<string, unknown>): void {
    if (typeof value.id === 'number') {
      const pending = this.#pending.get(value.id);
      if (!pending) return;
      this.#pending.delete(value.id);
      const error = value.error as { code: number; message: string } | undefined;
      if (error) pending.reject(new LinkError(error.code, error.message));
      else pending.resolve(value.result);
      return;
    }
    const push = value as unknown as Push;
    if (push.type === 'ping') {
      // Answered without a reply to wait for: the node only needs to hear from us.
      this.call('ping', {}).catch(() => undefined);
      return;
    }
    if (push.type === 'disconnect') return;
    this.#events.onPush(push);
  }
}

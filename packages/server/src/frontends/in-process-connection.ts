/**
 * @module frontends/in-process-connection
 * A relais connection for a protocol front-end in the node's process (a Socket.IO socket, a
 * Supabase channel): the node's verifier and connect hooks, its origin, IP and user limits, its
 * rate limits, slow-consumer policy, metrics, presence and stream positions apply to it as to a
 * native connection, but nothing is encoded for it and decoded again. Publications reach the
 * front-end as values (`InProcessPeer.onPush`), the same object for every connection of the
 * node one publication reaches, so that the front-end can build its own packet once per
 * publication and write the same bytes to all its sockets. Only the `connect` command and its
 * reply travel as JSON frames, once per connection.
 */
import { jsonCodec, type Frame, type Push } from '@relais/protocol';
import type { Verdict } from '../rate-limit/rate-limiter.js';
import type { Session } from '../session.js';
import type { PushTransport, Transport, TransportInfo } from '../transport.js';

/**
 * The front-end's side of one in-process connection. Implement it on the front-end's own
 * per-connection object (its socket), so that a connection costs no closure.
 */
export interface InProcessPeer {
  /** Bytes the front-end wrote for this connection but its peer has not read yet (slow-consumer check). */
  readonly bufferedBytes: number;
  /**
   * A push for this connection, mostly `publication`s of the channels it holds (with `offset`
   * and `epoch` in namespaces with history). One publication's push is the same object for
   * every connection of this node it reaches: key a cache of its encoding on that identity. It
   * must not be changed. Security: `data` is what a publisher sent; the namespace's rules
   * checked it, the front-end's encoding must still escape it for its wire.
   */
  onPush(push: Push): void;
  /** The node closed the connection (a limit, a kick, shutdown, token expiry, 3008 slow). Not called after `end`. */
  onNodeClose(code: number, reason: string): void;
}

/** What `connectInProcess` opens a connection with. */
export interface InProcessConnectOptions {
  /** What hooks see as the connection's transport (`name`, e.g. `socket.io-websocket`; address, headers, url). */
  transport: TransportInfo;
  /** The connection token for the node's verifier (`auth`); undefined for anonymous connections. */
  token?: string;
  /** The connect command's `data`, for the node's onConnecting hooks. */
  data?: unknown;
  /** The connect command's `name` (the client's name, as hooks see it). @default 'in-process' */
  name?: string;
}

/** Why the node refused an in-process connection: its `connect` reply's error, or the close code (3006 full, 3001 shutdown...). */
export class ConnectRefusedError extends Error {
  override readonly name = 'ConnectRefusedError';
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

interface Opening {
  resolve(connection: InProcessConnection): void;
  reject(error: Error): void;
}

const CONNECT_ID = 1;

export class InProcessConnection implements PushTransport {
  readonly codec = jsonCodec;
  readonly info: TransportInfo;
  readonly #peer: InProcessPeer;
  #session: Session | undefined;
  /** Set while `connect` runs; dropped once answered. */
  #opening: Opening | undefined;
  #ended = false;

  private constructor(peer: InProcessPeer, info: TransportInfo) {
    this.#peer = peer;
    this.info = info;
  }

  /**
   * Opens a connection through `accept` (the node's, `relais.accept`): resolves once the node
   * accepted it (connect hooks ran, `user` is known), rejects with ConnectRefusedError.
   */
  static open(
    accept: (transport: Transport) => Session | undefined,
    peer: InProcessPeer,
    options: InProcessConnectOptions,
  ): Promise<InProcessConnection> {
    const connection = new InProcessConnection(peer, options.transport);
    return new Promise<InProcessConnection>((resolve, reject) => {
      connection.#opening = { resolve, reject };
      const session = accept(connection);
      // Refused at once: close() already rejected.
      if (!session) return;
      connection.#session = session;
      const params: Record<string, unknown> = { name: options.name ?? 'in-process' };
      if (options.token !== undefined) params.token = options.token;
      if (options.data !== undefined) params.data = options.data;
      session.handleMessage(jsonCodec.encode({ id: CONNECT_ID, method: 'connect', params }));
    });
  }

  get bufferedBytes(): number {
    return this.#peer.bufferedBytes;
  }

  /** The relais client id (presence key, `relais.subscribe(client, …)`), while connected. */
  get client(): string | undefined {
    return this.#session?.state === 'connected' ? this.#session.client : undefined;
  }

  /** The user the verifier or hooks gave ('' for anonymous), while connected. */
  get user(): string | undefined {
    return this.#session?.state === 'connected' ? this.#session.user : undefined;
  }

  /**
   * Counts one inbound message of the front-end's protocol against the node's command rate
   * limits of this connection and its user: `limited` drops it, `flood` means close it.
   */
  admit(): Verdict {
    const session = this.#session;
    return session && session.state === 'connected' ? session.limiter.command(session.user) : 'ok';
  }

  /** The front-end's side ended: the relais connection ends too (channels, presence released). `onNodeClose` is not called. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#session?.handleClose(1000);
  }

  /** @internal PushTransport: a push as a value. */
  push(value: Push): void {
    this.#peer.onPush(value);
  }

  /** @internal Transport: the connect reply, or a push the node encoded before it reached the session. */
  write(frame: Frame): void {
    for (const value of jsonCodec.decode(frame) as Array<Record<string, unknown>>) {
      if (typeof value.id === 'number') {
        if (value.id === CONNECT_ID) this.#answered(value);
      } else if (typeof value.type === 'string') {
        this.#peer.onPush(value as unknown as Push);
      }
    }
  }

  /** @internal Transport: the node closes the connection. */
  close(code: number, reason: string): void {
    const opening = this.#opening;
    this.#opening = undefined;
    if (opening) {
      this.#ended = true;
      opening.reject(new ConnectRefusedError(code, reason || 'connection refused'));
      return;
    }
    if (this.#ended) return;
    this.#ended = true;
    this.#peer.onNodeClose(code, reason);
  }

  #answered(reply: Record<string, unknown>): void {
    const opening = this.#opening;
    if (!opening) return;
    const error = reply.error as { code: number; message: string } | undefined;
    if (error) {
      // The session closes next (3505): that close must not report it again.
      this.#ended = true;
      this.#opening = undefined;
      opening.reject(new ConnectRefusedError(error.code, error.message));
      return;
    }
    this.#opening = undefined;
    opening.resolve(this);
  }
}

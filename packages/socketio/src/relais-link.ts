/**
 * @module relais-link
 * A Socket.IO socket as a relais connection: a Transport handed to `relais.accept`, so that the
 * node's verifier, connect hooks, limits, metrics and slow-consumer policy apply to it as to a
 * native connection, and its rooms are channel subscriptions of the node's hub and engine.
 * It speaks the relais protocol (JSON) with the session in-process: `connect` with the
 * handshake's token, answers to pings; publication pushes come back to the socket.
 */
import { jsonCodec, type Frame } from '@relais/protocol';
import type { Relais, Session, Transport, TransportInfo } from '@relais/server';

/** What the link reports to its socket. */
export interface LinkEvents {
  /** A publication on a channel the socket holds, with its position in namespaces that keep history. */
  onPublication(channel: string, event: string | undefined, data: unknown, position: { offset: number; epoch: string } | undefined): void;
  /** The node closed the connection (a limit, a kick, shutdown, token expiry). */
  onClose(code: number, reason: string): void;
}

/** Why the node refused a socket's relais connection (a `connect` error reply). */
export class LinkRefusedError extends Error {
  override readonly name = 'LinkRefusedError';
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * The last frame decoded and its values: a fan-out writes the same frame to every subscriber's
 * link, so it is decoded once for all of them (the values are read, never changed).
 */
let lastFrame: Frame | undefined;
let lastValues: Array<Record<string, unknown>> = [];

function decodeOnce(frame: Frame): Array<Record<string, unknown>> {
  if (frame !== lastFrame) {
    lastValues = jsonCodec.decode(frame) as Array<Record<string, unknown>>;
    lastFrame = frame;
  }
  return lastValues;
}

interface Pending {
  resolve(): void;
  reject(error: Error): void;
}

export class RelaisLink implements Transport {
  readonly codec = jsonCodec;
  readonly info: TransportInfo;
  readonly #relais: Relais;
  readonly #events: LinkEvents;
  readonly #bufferedBytes: () => number;
  #session: Session | undefined;
  #connecting: Pending | undefined;
  #nextId = 1;
  #closed = false;

  constructor(relais: Relais, info: TransportInfo, events: LinkEvents, bufferedBytes: () => number) {
    this.#relais = relais;
    this.info = info;
    this.#events = events;
    this.#bufferedBytes = bufferedBytes;
  }

  get bufferedBytes(): number {
    return this.#bufferedBytes();
  }

  /** The relais client id of this connection, once open. */
  get client(): string | undefined {
    return this.#session?.state === 'connected' ? this.#session.client : undefined;
  }

  /**
   * Opens the relais connection with `token` and `data` (for the node's onConnecting hooks);
   * rejects with LinkRefusedError when the node refuses it.
   */
  open(token: string | undefined, data?: unknown): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#connecting = { resolve, reject };
      const session = this.#relais.accept(this);
      if (!session) return;
      this.#session = session;
      const params: Record<string, unknown> = { name: 'socket.io' };
      if (token !== undefined) params.token = token;
      if (data !== undefined) params.data = data;
      this.#send('connect', params);
    });
  }

  /**
   * Counts one inbound Socket.IO event against the node's rate limits of this connection and
   * its user (`limits.perConnection/perUser.commands`): `limited` drops it, `flood` closes.
   */
  admit(): 'ok' | 'limited' | 'flood' {
    const session = this.#session;
    return session && session.state === 'connected' ? session.limiter.command(session.user) : 'ok';
  }

  /** The Socket.IO side ended: the relais connection ends too. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#session?.handleClose(1000);
  }

  write(frame: Frame): void {
    for (const value of decodeOnce(frame)) this.#receive(value);
  }

  close(code: number, reason: string): void {
    if (this.#closed) {
      this.#connecting?.reject(new LinkRefusedError(code, reason));
      return;
    }
    this.#closed = true;
    const connecting = this.#connecting;
    this.#connecting = undefined;
    if (connecting) connecting.reject(new LinkRefusedError(code, reason || 'connection refused'));
    else this.#events.onClose(code, reason);
  }

  #receive(value: Record<string, unknown>): void {
    if (typeof value.id === 'number') {
      if (value.id === 1 && this.#connecting) this.#connected(value);
      return;
    }
    switch (value.type) {
      case 'publication':
        this.#events.onPublication(
          value.channel as string,
          value.event as string | undefined,
          value.data,
          typeof value.offset === 'number' && typeof value.epoch === 'string' ? { offset: value.offset, epoch: value.epoch } : undefined,
        );
        break;
      case 'ping':
        this.#send('ping', {});
        break;
      default:
        // subscribe/unsubscribe pushes (the front-end asked for them), message, join/leave: not mapped.
        break;
    }
  }

  #connected(reply: Record<string, unknown>): void {
    const connecting = this.#connecting!;
    this.#connecting = undefined;
    const error = reply.error as { code: number; message: string } | undefined;
    if (error) connecting.reject(new LinkRefusedError(error.code, error.message));
    else connecting.resolve();
  }

  #send(method: string, params: unknown): void {
    this.#session?.handleMessage(this.codec.encode({ id: this.#nextId++, method, params }));
  }
}

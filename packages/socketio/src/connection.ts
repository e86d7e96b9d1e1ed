/**
 * @module connection
 * One Engine.IO connection as Socket.IO sees it: decodes its packets, routes them to the
 * namespace sockets it holds, and closes it when no namespace is joined within connectTimeout
 * or when the client breaks the protocol.
 */
import type { EngineCloseReason, EngineSocket } from './engine/engine-socket.js';
import type { Handshake } from './handshake.js';
import type { Logger } from '@relais/server';
import type { Namespace } from './namespace.js';
import { Decoder, encodePacket, SocketIoProtocolError, type Packet } from './parser.js';
import type { ConnectionLink, FrontEnd, MiddlewareError } from './roles.js';
import type { DisconnectReason, Socket } from './socket.js';

/** What a connection needs of the server: namespaces by name, metrics, logs. */
export interface ConnectionHost extends FrontEnd {
  readonly logger: Logger;
  namespaceFor(name: string, auth: Record<string, unknown>, done: (nsp: Namespace | undefined) => void): void;
  connectionClosed(connection: Connection): void;
}

/** Packets a client may send for a namespace before its CONNECT is answered (the middlewares run). */
const MAX_EARLY_PACKETS = 100;

export class Connection implements ConnectionLink {
  readonly engine: EngineSocket;
  readonly #server: ConnectionHost;
  readonly #handshake: Omit<Handshake, 'auth'>;
  readonly #decoder: Decoder;
  readonly #sockets = new Map<string, Socket>();
  /** Namespaces being joined, with the packets that came for them meanwhile (delivered once joined). */
  readonly #connecting = new Map<string, Packet[]>();
  #connectTimer: NodeJS.Timeout | undefined;

  constructor(
    server: ConnectionHost,
    engine: EngineSocket,
    handshake: Omit<Handshake, 'auth'>,
    options: { connectTimeoutMs: number; maxAttachments: number },
  ) {
    this.#server = server;
    this.engine = engine;
    this.#handshake = handshake;
    this.#decoder = new Decoder(options.maxAttachments);
    engine.on('message', (data) => this.#onMessage(data));
    engine.on('close', (reason, description) => this.#onClose(reason, description));
    this.#connectTimer = setTimeout(() => {
      if (this.#sockets.size === 0) this.engine.close('forced close', 'no namespace joined within connectTimeout');
    }, options.connectTimeoutMs);
    this.#connectTimer.unref();
  }

  /** Sends an encoded packet (a string, then its attachments). */
  write(encoded: readonly [string, ...Buffer[]]): void {
    this.engine.send(encoded);
  }

  /** Refuses a namespace CONNECT with the middleware's error (`connect_error` on the client). */
  connectError(nsp: string, error: MiddlewareError): void {
    const data = error.data === undefined ? { message: error.message } : { message: error.message, data: error.data };
    this.write(encodePacket({ type: 'CONNECT_ERROR', nsp, data }));
  }

  /** A socket left its namespace. */
  remove(socket: Socket): void {
    if (this.#sockets.get(socket.nsp.name) === socket) this.#sockets.delete(socket.nsp.name);
  }

  /** Closes the connection: every socket gets `disconnect` with `reason`. */
  close(reason: EngineCloseReason = 'forced close'): void {
    this.engine.close(reason);
  }

  #onMessage(data: string | Buffer): void {
    let packet: Packet | undefined;
    try {
      packet = this.#decoder.add(data);
    } catch (error) {
      this.#server.metrics.badPackets++;
      this.#server.logger.debug({ err: error, sid: this.engine.id }, 'socket.io: malformed packet');
      this.engine.close('parse error', error instanceof SocketIoProtocolError ? error.message : 'malformed packet');
      return;
    }
    if (packet) this.#onPacket(packet);
  }

  #onPacket(packet: Packet): void {
    const socket = this.#sockets.get(packet.nsp);
    if (packet.type === 'CONNECT' && !socket) {
      this.#connect(packet);
    } else if (socket && packet.type !== 'CONNECT' && packet.type !== 'CONNECT_ERROR') {
      socket.onPacket(packet);
    } else if (this.#connecting.has(packet.nsp) && packet.type !== 'CONNECT' && packet.type !== 'CONNECT_ERROR') {
      const early = this.#connecting.get(packet.nsp)!;
      if (early.length >= MAX_EARLY_PACKETS) {
        this.#server.metrics.badPackets++;
        this.engine.close('parse error', 'too many packets before the namespace was joined');
      } else {
        early.push(packet);
      }
    } else if (!this.#connecting.has(packet.nsp)) {
      // A packet for a namespace this connection did not join, or a CONNECT_ERROR from a client.
      this.#server.metrics.badPackets++;
      this.engine.close('parse error', `unexpected ${packet.type} packet for ${packet.nsp}`);
    }
  }

  #connect(packet: Packet): void {
    const name = packet.nsp;
    if (this.#connecting.has(name)) return;
    const auth = (packet.data ?? {}) as Record<string, unknown>;
    this.#connecting.set(name, []);
    this.#server.namespaceFor(name, auth, (nsp) => {
      if (!nsp) {
        this.#connecting.delete(name);
        this.write(encodePacket({ type: 'CONNECT_ERROR', nsp: name, data: { message: 'Invalid namespace' } }));
        return;
      }
      const joined = (socket: Socket | undefined): void => {
        const early = this.#connecting.get(name) ?? [];
        this.#connecting.delete(name);
        if (!socket) return;
        // Dropped, not only cleared: an idle connection should not keep a Timeout object.
        clearTimeout(this.#connectTimer);
        this.#connectTimer = undefined;
        this.#sockets.set(name, socket);
        // After the `connection` listeners ran (they register the event listeners).
        if (early.length > 0) queueMicrotask(() => early.forEach((packet) => socket.onPacket(packet)));
      };
      const join = (): void => nsp.add(this, { ...this.#handshake, auth }, joined);
      // A client coming back after a cut: its socket resumes, or it starts anew.
      if (this.#server.recovery && typeof auth.pid === 'string')
        nsp.recover(auth.pid, auth.offset, this, { ...this.#handshake, auth }, (socket) => (socket ? joined(socket) : join()));
      else join();
    });
  }

  #onClose(reason: EngineCloseReason, description: string): void {
    clearTimeout(this.#connectTimer);
    for (const socket of [...this.#sockets.values()]) socket.onClose(reason as DisconnectReason, description);
    this.#sockets.clear();
    this.#server.connectionClosed(this);
  }
}

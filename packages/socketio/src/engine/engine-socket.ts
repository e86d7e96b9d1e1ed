/**
 * @module engine/engine-socket
 * One Engine.IO session: its id, its current transport (and a WebSocket being probed for the
 * upgrade), the packets waiting for a writable transport, and the heartbeat (the server pings
 * every pingInterval; no pong within pingTimeout closes the session).
 */
import { EventEmitter } from 'node:events';
import type { EnginePacket } from './packet.js';
import type { EngineTransport } from './transport.js';

export type EngineSocketState = 'open' | 'closing' | 'closed';

/** Why a session closed, in engine.io's words (socket.io-client shows them as disconnect reasons). */
export type EngineCloseReason =
  'transport close' | 'transport error' | 'ping timeout' | 'parse error' | 'forced close' | 'server shutting down';

export interface EngineSocketOptions {
  pingIntervalMs: number;
  pingTimeoutMs: number;
  upgradeTimeoutMs: number;
  maxPayloadBytes: number;
  /** Transports the client may upgrade to from polling. */
  upgrades: readonly string[];
}

export interface EngineSocketEvents {
  message: [data: string | Buffer];
  close: [reason: EngineCloseReason, description: string];
  /** The session now runs on a WebSocket. */
  upgrade: [];
  /** The session let go of its transport: after `close`, once the last packets went out (or could not). */
  released: [];
}

export class EngineSocket extends EventEmitter<EngineSocketEvents> {
  readonly id: string;
  readonly #options: EngineSocketOptions;
  #transport: EngineTransport;
  #probe: EngineTransport | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #buffer: EnginePacket[] = [];
  /** Bytes of data in #buffer (message payloads). */
  #bufferBytes = 0;
  #state: EngineSocketState = 'open';
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;

  constructor(id: string, transport: EngineTransport, options: EngineSocketOptions) {
    super();
    this.id = id;
    this.#options = options;
    this.#transport = transport;
    this.#attach(transport);
    const upgrades = transport.name === 'polling' ? options.upgrades : [];
    const open = {
      sid: id,
      upgrades,
      pingInterval: options.pingIntervalMs,
      pingTimeout: options.pingTimeoutMs,
      maxPayload: options.maxPayloadBytes,
    };
    this.#write({ type: 'open', data: JSON.stringify(open) });
    this.#schedulePing();
  }

  get state(): EngineSocketState {
    return this.#state;
  }

  /** The transport packets go out on: `polling` until an upgrade, then `websocket`. */
  get transport(): EngineTransport {
    return this.#transport;
  }

  /**
   * Bytes sent but not yet delivered: waiting for a poll, or in the WebSocket's buffer. The
   * relais session of a Socket.IO socket reads it for its slow-consumer limit (maxQueueBytes).
   */
  get bufferedBytes(): number {
    return this.#bufferBytes + this.#transport.bufferedBytes;
  }

  /** Sends messages; they leave together (a Socket.IO packet and its attachments). */
  send(messages: ReadonlyArray<string | Buffer>): void {
    if (this.#state !== 'open') return;
    for (const data of messages) {
      this.#buffer.push({ type: 'message', data });
      this.#bufferBytes += typeof data === 'string' ? data.length : data.byteLength;
    }
    this.#flush();
  }

  /**
   * Closes the session: what was sent before still goes out, then a close packet. Over
   * polling without a waiting poll, the session waits (at most pingTimeout) for the next one.
   */
  close(reason: EngineCloseReason = 'forced close', description: string = reason): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#buffer.push({ type: 'close' });
    this.#closeProbe();
    this.#stopHeartbeat();
    if (this.#transport.writable) {
      this.#flush();
      this.#finish(reason, description);
      return;
    }
    // The app sees the close now; the packets wait (at most pingTimeout) for the client's next poll.
    this.#closeEmitted = true;
    this.emit('close', reason, description);
    this.#lingerTimer = setTimeout(() => this.#finish(reason, description), this.#options.pingTimeoutMs);
    this.#lingerTimer.unref();
    this.#lingering = { reason, description };
  }

  #closeEmitted = false;

  /** Ends the session now, without waiting for a poll to take the last packets (shutdown). */
  terminate(reason: EngineCloseReason = 'server shutting down'): void {
    this.#finish(reason, reason);
  }

  #lingering: { reason: EngineCloseReason; description: string } | undefined;

  /**
   * A WebSocket with this session's id: probed (`2probe` → `3probe`), then taken on `5`.
   * Returns false when the session cannot upgrade now (closed, upgraded, another probe).
   */
  probe(transport: EngineTransport): boolean {
    if (this.#state !== 'open' || this.#transport.name !== 'polling' || this.#probe || !this.#options.upgrades.includes(transport.name)) {
      return false;
    }
    this.#probe = transport;
    let probed = false;
    this.#probeTimer = setTimeout(() => this.#closeProbe(), this.#options.upgradeTimeoutMs);
    this.#probeTimer.unref();
    transport.events = {
      onPackets: (packets) => {
        for (const packet of packets) {
          if (!probed && packet.type === 'ping' && packet.data === 'probe') {
            probed = true;
            transport.send([{ type: 'pong', data: 'probe' }]);
            // Releases the waiting poll, so that the client can pause polling and send `5`.
            this.#releasePoll();
          } else if (probed && packet.type === 'upgrade') {
            this.#upgrade(transport);
          } else {
            this.#closeProbe();
            return;
          }
        }
      },
      onWritable: () => {},
      onError: () => this.#closeProbe(),
      onClose: () => {
        if (this.#probe === transport) this.#clearProbe();
      },
    };
    return true;
  }

  #upgrade(transport: EngineTransport): void {
    this.#clearProbe();
    const old = this.#transport;
    this.#transport = transport;
    this.#attach(transport);
    old.events = { onPackets: () => {}, onWritable: () => {}, onError: () => {}, onClose: () => {} };
    old.close();
    this.emit('upgrade');
    this.#flush();
  }

  /** Answers the waiting poll during an upgrade: with what is buffered, else a noop. */
  #releasePoll(): void {
    if (!this.#transport.writable) return;
    if (this.#buffer.length > 0) this.#flush();
    else this.#transport.send([{ type: 'noop' }]);
  }

  #attach(transport: EngineTransport): void {
    transport.events = {
      onPackets: (packets) => this.#onPackets(packets),
      onWritable: () => {
        if (this.#state === 'closing') {
          this.#flush();
          if (this.#lingering) this.#finish(this.#lingering.reason, this.#lingering.description);
        } else if (this.#probe && this.#buffer.length === 0) {
          this.#releasePoll();
        } else {
          this.#flush();
        }
      },
      onError: (reason) => this.#fail('transport error', reason),
      onClose: () => this.#onTransportClose(),
    };
  }

  #onPackets(packets: EnginePacket[]): void {
    for (const packet of packets) {
      if (this.#state !== 'open') return;
      switch (packet.type) {
        case 'message':
          this.emit('message', packet.data ?? '');
          break;
        case 'pong':
          this.#schedulePing();
          break;
        case 'close':
          // The client leaves; #finish releases a waiting poll with a noop (transport.close()).
          this.#finish('transport close', 'the client closed the session');
          return;
        default:
          // open, ping (the server pings in v4), upgrade, noop on the session's transport.
          this.#fail('parse error', `unexpected ${packet.type} packet`);
          return;
      }
    }
  }

  /** A transport error: what is buffered is dropped; a waiting poll gets a close packet. */
  #fail(reason: EngineCloseReason, description: string): void {
    if (this.#state === 'closed') return;
    this.#buffer = [];
    this.#bufferBytes = 0;
    if (this.#transport.writable) this.#transport.send([{ type: 'close' }]);
    this.#finish(reason, description);
  }

  #onTransportClose(): void {
    this.#finish('transport close', 'the connection closed');
  }

  #finish(reason: EngineCloseReason, description: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#lingering = undefined;
    clearTimeout(this.#lingerTimer);
    this.#stopHeartbeat();
    this.#closeProbe();
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#transport.close();
    if (!this.#closeEmitted) {
      this.#closeEmitted = true;
      this.emit('close', reason, description);
    }
    this.emit('released');
  }

  #write(packet: EnginePacket): void {
    this.#buffer.push(packet);
    this.#flush();
  }

  #flush(): void {
    if (this.#buffer.length === 0 || !this.#transport.writable) return;
    const packets = this.#buffer;
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#transport.send(packets);
  }

  #schedulePing(): void {
    this.#stopHeartbeat();
    this.#pingTimer = setTimeout(() => {
      this.#write({ type: 'ping' });
      this.#pongTimer = setTimeout(() => this.#fail('ping timeout', 'no pong within pingTimeout'), this.#options.pingTimeoutMs);
      this.#pongTimer.unref();
    }, this.#options.pingIntervalMs);
    this.#pingTimer.unref();
  }

  #stopHeartbeat(): void {
    clearTimeout(this.#pingTimer);
    clearTimeout(this.#pongTimer);
  }

  #closeProbe(): void {
    const probe = this.#probe;
    if (!probe) return;
    this.#clearProbe();
    probe.close();
  }

  #clearProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probe = undefined;
  }
}

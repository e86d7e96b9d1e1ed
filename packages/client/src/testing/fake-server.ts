/**
 * @module testing/fake-server
 * A FakeServer that speaks protocol v1 through a fake WebSocket constructor, for injecting into
 * a Client in tests. Everything is in memory; events are delivered in microtasks (not timers), so
 * fake timers control only the client's own clock.
 * @example
 * const server = new FakeServer();
 * const client = new Client('ws://fake/connection/websocket', { websocket: server.WebSocket });
 */
import {
  codecForSubprotocol,
  jsonCodec,
  parseCommand,
  type Codec,
  type Command,
  type ConnectResult,
  type ErrorShape,
  type Frame,
  type Push,
} from '@relais/protocol';
import type { Disposer } from '../emitter.js';
import type { WebSocketConstructor, WebSocketLike } from '../transports/websocket.js';

/** What a command hook decides: a result, an error, no reply at all, or the default (undefined). */
export type CommandOutcome = { result: unknown } | { error: ErrorShape } | 'noreply' | undefined | void;

export type CommandHook = (command: Command, connection: FakeConnection) => CommandOutcome;

export const FAKE_CONNECT_RESULT: ConnectResult = {
  client: 'c1',
  user: '',
  version: 'fake',
  protocol: 1,
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  maxMessageBytes: 65_536,
};

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** The server side of one fake socket. */
export class FakeConnection {
  readonly server: FakeServer;
  readonly socket: FakeWebSocket;
  readonly codec: Codec;
  readonly commands: Command[] = [];
  readonly channels = new Set<string>();
  /** Set when the socket closed: who closed it, with which code. */
  closed: { by: 'client' | 'server'; code: number; reason: string } | undefined;

  constructor(server: FakeServer, socket: FakeWebSocket, codec: Codec) {
    this.server = server;
    this.socket = socket;
    this.codec = codec;
  }

  get open(): boolean {
    return this.socket.readyState === OPEN;
  }

  /** Writes frames to the client, joined into one WebSocket message. */
  write(...values: unknown[]): void {
    if (!this.open) return;
    const frames = values.map((value) => this.codec.encode(value));
    this.deliverRaw(frames.length === 1 ? frames[0]! : this.codec.join(frames));
  }

  /** Delivers one raw WebSocket message (for malformed-frame tests). */
  deliverRaw(message: Frame): void {
    const data = typeof message === 'string' ? message : message.slice().buffer;
    queueMicrotask(() => {
      if (this.open) this.socket.onmessage?.({ data });
    });
  }

  push(push: Push): void {
    this.write(push);
  }

  reply(id: number, outcome: { result: unknown } | { error: ErrorShape }): void {
    this.write({ id, ...outcome });
  }

  /** The server closes the socket with `code` (a disconnect code or a transport code). */
  close(code: number, reason = ''): void {
    if (this.socket.readyState === CLOSED) return;
    this.socket.readyState = CLOSED;
    this.closed = { by: 'server', code, reason };
    queueMicrotask(() => this.socket.onclose?.({ code, reason }));
  }

  /** @internal */
  receive(message: string | Uint8Array): void {
    for (const value of this.codec.decode(message)) {
      const parsed = parseCommand(value);
      if (!parsed.ok) {
        this.reply(parsed.id, { error: parsed.error.toJSON() });
        continue;
      }
      this.commands.push(parsed.command);
      this.server.handle(parsed.command, this);
    }
  }
}

/** The client side of one fake socket: what `new server.WebSocket(url, protocols)` returns. */
export class FakeWebSocket implements WebSocketLike {
  binaryType = 'blob';
  protocol = '';
  readyState = CONNECTING;
  readonly url: string;
  readonly protocols: string[];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  connection: FakeConnection | undefined;

  constructor(server: FakeServer, url: string, protocols?: string | string[]) {
    this.url = url;
    this.protocols = protocols === undefined ? [] : Array.isArray(protocols) ? protocols : [protocols];
    server.accept(this);
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== OPEN) throw new Error('fake socket is not open');
    const connection = this.connection!;
    queueMicrotask(() => {
      if (connection.open) connection.receive(data);
    });
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    if (this.connection) this.connection.closed = { by: 'client', code, reason };
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }
}

export class FakeServer {
  /** Inject as `options.websocket`. */
  readonly WebSocket: WebSocketConstructor;
  readonly connections: FakeConnection[] = [];
  /** Every command received, on every connection, in order. */
  readonly received: Command[] = [];
  /** Returned to `connect` (mutable between connections). */
  connectResult: ConnectResult = { ...FAKE_CONNECT_RESULT };
  /** When set, new sockets fail to open (error, then close with this code). */
  refuse: { code: number; reason: string } | undefined;
  /** Publications accepted, after idempotency-key deduplication. */
  readonly published: { channel: string; data: unknown; idempotencyKey?: string }[] = [];
  readonly #hooks = new Set<CommandHook>();
  readonly #keys = new Set<string>();

  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const server = this;
    this.WebSocket = class extends FakeWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(server, url, protocols);
      }
    };
  }

  /** The latest connection. */
  get current(): FakeConnection | undefined {
    return this.connections.at(-1);
  }

  /** Commands received with `method`, in order. */
  commands<M extends Command['method']>(method: M): Extract<Command, { method: M }>[] {
    return this.received.filter((c): c is Extract<Command, { method: M }> => c.method === method);
  }

  /** Adds a hook consulted for every command, latest first; returns its disposer. */
  onCommand(hook: CommandHook): Disposer {
    this.#hooks.add(hook);
    return () => this.#hooks.delete(hook);
  }

  sendPush(push: Push, connection = this.current): void {
    connection?.push(push);
  }

  reply(id: number, outcome: { result: unknown } | { error: ErrorShape }, connection = this.current): void {
    connection?.reply(id, outcome);
  }

  closeConnection(code: number, reason = '', connection = this.current): void {
    connection?.close(code, reason);
  }

  /** @internal */
  accept(socket: FakeWebSocket): void {
    const offered = socket.protocols.map(codecForSubprotocol).find((codec) => codec !== undefined);
    const codec = offered ?? jsonCodec;
    const connection = new FakeConnection(this, socket, codec);
    socket.connection = connection;
    this.connections.push(connection);
    const refuse = this.refuse;
    queueMicrotask(() => {
      if (socket.readyState === CLOSED) return;
      if (refuse) {
        socket.readyState = CLOSED;
        connection.closed = { by: 'server', code: refuse.code, reason: refuse.reason };
        socket.onerror?.({ type: 'error' });
        socket.onclose?.({ code: refuse.code, reason: refuse.reason });
        return;
      }
      socket.readyState = OPEN;
      socket.protocol = codec.subprotocol;
      socket.onopen?.({ type: 'open' });
    });
  }

  /** @internal */
  handle(command: Command, connection: FakeConnection): void {
    this.received.push(command);
    let outcome: CommandOutcome;
    for (const hook of [...this.#hooks].reverse()) {
      outcome = hook(command, connection);
      if (outcome !== undefined) break;
    }
    if (outcome === 'noreply') return;
    connection.reply(command.id, outcome ?? this.defaultOutcome(command, connection));
  }

  /**
   * Runs the built-in handling of `command` (subscribe bookkeeping, publish deduplication and
   * fan-out) and returns the reply it would send; hooks call it to act, then reply differently.
   */
  defaultOutcome(command: Command, connection: FakeConnection): { result: unknown } {
    switch (command.method) {
      case 'connect':
        return { result: this.connectResult };
      case 'subscribe':
        connection.channels.add(command.params.channel);
        return { result: {} };
      case 'unsubscribe':
        connection.channels.delete(command.params.channel);
        return { result: {} };
      case 'publish':
        this.#publish(command.params);
        return { result: {} };
      case 'rpc':
        return { result: { data: null } };
      case 'history':
        return { result: { publications: [], offset: 0, epoch: '' } };
      case 'presence':
        return { result: { clients: {} } };
      case 'presence_stats':
        return { result: { clients: 0, users: 0 } };
      default:
        return { result: {} };
    }
  }

  #publish(params: { channel: string; data: unknown; event?: string; idempotencyKey?: string }): void {
    const key = params.idempotencyKey === undefined ? undefined : `${params.channel}\u0000${params.idempotencyKey}`;
    if (key !== undefined) {
      if (this.#keys.has(key)) return;
      this.#keys.add(key);
    }
    this.published.push({ channel: params.channel, data: params.data, idempotencyKey: params.idempotencyKey });
    const push: Push = { type: 'publication', channel: params.channel, data: params.data };
    if (params.event !== undefined) push.event = params.event;
    for (const connection of this.connections) if (connection.channels.has(params.channel)) connection.push(push);
  }
}

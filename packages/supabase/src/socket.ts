/**
 * @module socket
 * One Supabase Realtime WebSocket: decodes its Phoenix frames (the serializer of its `vsn`),
 * answers heartbeats on the `phoenix` topic, routes each message to the topic's channel, and
 * answers anything it cannot take with a Phoenix error reply. Never throws into the node.
 */
import type { Logger, Relais, TransportInfo } from '@relais/server';
import type { WebSocket } from 'ws';
import { SupabaseChannel, type ChannelHost } from './channel.js';
import type { ResolvedSupabaseOptions } from './options.js';
import { decodeBinary, decodeText, encodeMessage, PhoenixFrameError, type PhoenixMessage, type Vsn } from './phoenix-message.js';
import type { SupabaseCounts } from './metrics.js';
import type { PostgresChanges } from './postgres-changes.js';

/** What a socket needs of its endpoint. */
export interface SocketContext {
  relais: Relais;
  options: ResolvedSupabaseOptions;
  postgresChanges: PostgresChanges;
  logger: Logger;
  /** The `relais_supabase_*` counts. */
  metrics: SupabaseCounts;
  /** Counts a frame or message the socket could not take. */
  rejected(reason: 'malformed' | 'unknown_event' | 'unmatched_topic'): void;
  closed(socket: SupabaseSocket): void;
}

export interface SocketParams {
  vsn: Vsn;
  apikey: string | undefined;
  transport: Omit<TransportInfo, 'name'>;
}

export class SupabaseSocket {
  readonly logger: Logger;
  readonly options: ResolvedSupabaseOptions;
  readonly #host: ChannelHost;
  readonly #ws: WebSocket;
  readonly #vsn: Vsn;
  readonly #context: SocketContext;
  readonly #channels = new Map<string, SupabaseChannel>();
  #idle: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(ws: WebSocket, params: SocketParams, context: SocketContext) {
    this.#ws = ws;
    this.#vsn = params.vsn;
    this.#context = context;
    this.logger = context.logger;
    this.options = context.options;
    this.#host = {
      relais: context.relais,
      options: context.options,
      postgresChanges: context.postgresChanges,
      logger: context.logger,
      metrics: context.metrics,
      transport: params.transport,
      apikey: params.apikey,
      bufferedBytes: () => this.#ws.bufferedAmount,
      send: (message) => this.send(message),
      ended: (channel) => this.#ended(channel),
      unknownEvent: () => context.rejected('unknown_event'),
      closeSocket: (code, reason) => this.close(code, reason),
    };
    ws.on('message', (data, isBinary) => this.#onFrame(data as Buffer, isBinary));
    ws.on('close', () => this.#onClose());
    ws.on('error', (error) => {
      // ws closes the socket (1009) on a frame larger than maxFrameBytes.
      if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') context.metrics.error('frame_too_large');
      this.logger.debug({ err: error }, 'supabase: socket error');
    });
    this.#touch();
  }

  /** Topics joined (or joining) on this socket. */
  get topics(): string[] {
    return [...this.#channels.keys()];
  }

  send(message: PhoenixMessage): void {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(encodeMessage(message, this.#vsn));
    this.#context.metrics.sent(message.event);
  }

  /** Closes the socket (the node shuts down, or the endpoint is unmounted). */
  close(code = 1001, reason = 'server closing'): void {
    this.#ws.close(code, reason);
    this.#onClose();
  }

  #touch(): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#ws.close(1000, 'idle: no heartbeat'), this.options.idleTimeoutMs);
    this.#idle.unref();
  }

  #onFrame(data: Buffer, isBinary: boolean): void {
    this.#touch();
    let message: PhoenixMessage;
    try {
      if (!isBinary) message = decodeText(data.toString('utf8'), this.#vsn);
      else if (this.#vsn === '2.0.0') message = decodeBinary(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else throw new PhoenixFrameError('binary frames need vsn 2.0.0');
    } catch (error) {
      this.#context.rejected('malformed');
      const reason = error instanceof PhoenixFrameError ? error.message : 'malformed frame';
      this.send({ join_ref: null, ref: null, topic: 'phoenix', event: 'phx_reply', payload: { status: 'error', response: { reason } } });
      return;
    }
    this.#context.metrics.received(message.event);
    try {
      this.#onMessage(message);
    } catch (error) {
      this.#context.metrics.error('internal');
      this.logger.error({ err: error, topic: message.topic, event: message.event }, 'supabase: message handling failed');
      this.#reply(message, 'error', { reason: 'internal server error' });
    }
  }

  #onMessage(message: PhoenixMessage): void {
    if (message.topic === 'phoenix') {
      if (message.event === 'heartbeat') this.#reply(message, 'ok', {});
      else {
        this.#context.rejected('unknown_event');
        this.#reply(message, 'error', { reason: `unknown event ${JSON.stringify(message.event)} on phoenix` });
      }
      return;
    }
    if (message.event === 'phx_join') {
      this.#join(message);
      return;
    }
    const channel = this.#channels.get(message.topic);
    if (!channel || channel.state !== 'joined') {
      this.#context.rejected('unmatched_topic');
      this.#reply(message, 'error', { reason: 'unmatched topic' });
      return;
    }
    channel.handle(message);
  }

  #join(message: PhoenixMessage): void {
    // A second join of a topic replaces the first, as in Phoenix (duplicate join).
    const previous = this.#channels.get(message.topic);
    if (previous) {
      this.#channels.delete(message.topic);
      previous.close();
    }
    if (this.#channels.size >= this.options.maxChannelsPerSocket) {
      this.#context.metrics.joined('too_many_channels');
      this.#reply(message, 'error', { reason: `too many channels: at most ${this.options.maxChannelsPerSocket} per connection` });
      return;
    }
    const channel = new SupabaseChannel(this.#host, message.topic, message.join_ref);
    this.#channels.set(message.topic, channel);
    channel.join(message.payload as Record<string, unknown>, message.ref).catch((error: unknown) => {
      this.logger.error({ err: error, topic: message.topic }, 'supabase: join failed');
    });
  }

  #ended(channel: SupabaseChannel): void {
    if (this.#channels.get(channel.topic) === channel) this.#channels.delete(channel.topic);
  }

  #reply(message: PhoenixMessage, status: 'ok' | 'error', response: unknown): void {
    this.send({ join_ref: message.join_ref, ref: message.ref, topic: message.topic, event: 'phx_reply', payload: { status, response } });
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idle);
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
    this.#context.closed(this);
  }
}

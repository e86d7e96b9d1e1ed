/**
 * @module replication-stream
 * One replication connection streaming a logical slot with pgoutput, over `pg`'s connection in
 * copy-both mode: the frames come out of `messages()` in order, and reading pauses the socket
 * while `maxQueuedMessages` wait unread, so a huge transaction cannot fill the heap (the server
 * then waits on TCP). `confirm(lsn)` tells the server what is safe.
 */
import pg from 'pg';
import { decodeStreamMessage, standbyStatus, type StreamMessage } from './decode/stream-messages.js';
import { formatLsn } from './decode/lsn.js';

export interface ReplicationStreamOptions {
  url: string;
  slot: string;
  publication: string;
  /** Where to start; 0 resumes from the slot's confirmed position. */
  startLsn: bigint;
  /** Frames read from the socket and not yet consumed before reading pauses. */
  maxQueuedMessages: number;
  now?: () => number;
}

/** Quotes a string literal for the replication command language. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

function identifier(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** What `pg` has and its types leave out: the replication startup parameter, CopyData out. */
type ReplicationConfig = pg.ClientConfig & { replication: 'database' };
type CopyConnection = pg.Connection & { sendCopyFromChunk(chunk: Buffer): void };

type Waiter = { resolve: (value: IteratorResult<StreamMessage>) => void; reject: (error: Error) => void };

export class ReplicationStream {
  readonly #client: pg.Client;
  readonly #options: ReplicationStreamOptions;
  readonly #queue: StreamMessage[] = [];
  #waiter: Waiter | undefined;
  #ended: Error | 'closed' | undefined;
  #paused = false;

  private constructor(client: pg.Client, options: ReplicationStreamOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Connects and starts streaming; rejects when the slot is missing, busy, or the server is down. */
  static async open(options: ReplicationStreamOptions): Promise<ReplicationStream> {
    // Timestamps are decoded in the walsender's session: ISO style in UTC makes them parseable.
    const config: ReplicationConfig = {
      connectionString: options.url,
      replication: 'database',
      options: '-c DateStyle=ISO -c TimeZone=UTC',
    };
    const client = new pg.Client(config);
    const stream = new ReplicationStream(client, options);
    client.on('error', (error) => stream.#end(error));
    client.on('end', () => stream.#end(new Error('replication connection closed')));
    await client.connect();
    try {
      await stream.#start();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return stream;
  }

  #start(): Promise<void> {
    const { slot, publication, startLsn } = this.#options;
    const sql =
      `START_REPLICATION SLOT ${identifier(slot)} LOGICAL ${formatLsn(startLsn)} ` +
      `(proto_version '1', publication_names ${literal(publication)}, messages 'true')`;
    const connection = this.#client.connection;
    return new Promise((resolve, reject) => {
      connection.once('replicationStart', () => resolve());
      connection.on('copyData', (message: { chunk: Buffer }) => this.#receive(message.chunk));
      // The query only settles when streaming ends: with an error (slot busy or missing, server
      // gone) or when the connection closes.
      this.#client.query(sql).then(
        () => this.#end('closed'),
        (error: Error) => {
          reject(error);
          this.#end(error);
        },
      );
    });
  }

  #receive(chunk: Buffer): void {
    let message: StreamMessage;
    try {
      message = decodeStreamMessage(Buffer.from(chunk));
    } catch (error) {
      this.#end(error as Error);
      this.#client.end().catch(() => undefined);
      return;
    }
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ value: message, done: false });
      return;
    }
    this.#queue.push(message);
    if (!this.#paused && this.#queue.length >= this.#options.maxQueuedMessages) {
      this.#paused = true;
      this.#client.connection.stream.pause();
    }
  }

  #end(reason: Error | 'closed'): void {
    if (this.#ended) return;
    this.#ended = reason;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (!waiter) return;
    if (reason === 'closed') waiter.resolve({ value: undefined, done: true });
    else waiter.reject(reason);
  }

  /** The next frame; rejects when the connection failed, finishes once `close()` was called. */
  next(): Promise<IteratorResult<StreamMessage>> {
    const message = this.#queue.shift();
    if (message) {
      if (this.#paused && this.#queue.length <= this.#options.maxQueuedMessages / 2) {
        this.#paused = false;
        this.#client.connection.stream.resume();
      }
      return Promise.resolve({ value: message, done: false });
    }
    if (this.#ended === 'closed') return Promise.resolve({ value: undefined, done: true });
    if (this.#ended) return Promise.reject(this.#ended);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Frames waiting to be read now (at most `maxQueuedMessages` plus one socket read). */
  get queued(): number {
    return this.#queue.length;
  }

  /** Confirms that everything up to `lsn` is safe: the slot resumes after it. */
  confirm(lsn: bigint): void {
    if (this.#ended) return;
    (this.#client.connection as CopyConnection).sendCopyFromChunk(standbyStatus(lsn, (this.#options.now ?? Date.now)()));
  }

  /** Ends streaming and the connection. */
  async close(): Promise<void> {
    this.#end('closed');
    await this.#client.end().catch(() => undefined);
  }
}

/**
 * @module rpc-once/rpc-once
 * RPCs called with an idempotency key run their handler once per (user, method, key) within
 * the idempotency window: the first call claims the key in the engine's RpcReplyStore, runs the
 * handler and remembers its reply; a repeat gets that reply without running the handler, and a
 * repeat while the first is still running waits for it (on this node: for its promise; on
 * another node: polling the store). See docs/protocol.md §10.
 */
import { ERROR_CODES, ReplyError, type RpcResult } from '@relais/protocol';
import type { Logger } from '../logger.js';
import { Counter, type CounterChild } from '../metrics/prometheus.js';
import type { Registry } from '../metrics/prometheus.js';
import { decodeReply, encodeReply, type RememberedReply, type RpcClaim, type RpcReplyStore } from './rpc-reply-store.js';

/** First and longest wait between two looks at a key another node is running, in ms. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 200;

export interface RpcOnceOptions {
  /** How long a reply is remembered, in ms (the node's idempotencyTtlMs). */
  ttlMs: number;
  /** How long a repeat waits for a running first call before it gets 114, in ms (rpcTimeoutMs). */
  waitMs: number;
  /** A claim whose handler has not settled after this long is taken for lost, in ms. */
  leaseMs: number;
  /** Largest encoded reply remembered, in bytes (limits.maxRpcReplyBytes). */
  maxReplyBytes: number;
  /** Replies one connection keeps at once; its oldest are forgotten first (limits.maxIdempotencyKeysPerConnection). */
  maxRepliesPerConnection: number;
  logger: Logger;
  /** Where its counters are registered (the node's metrics registry). */
  registry?: Registry;
}

/** The connection that called: its id, and whether it is still open. */
export interface RpcOwner {
  readonly client: string;
  readonly state: string;
}

/** The scope of a key: one user's calls of one method (anonymous connections share user ''). */
export function rpcKey(user: string, method: string, key: string): string {
  return `${user.length}:${user}:${method.length}:${method}:${key}`;
}

function toReply(error: unknown): RememberedReply | undefined {
  // Temporary errors (a generic throw: 100, the engine: 115) are not remembered: a retry runs
  // the handler again, as "temporary" tells the client to retry.
  if (error instanceof ReplyError && !error.temporary) return { error: error.toJSON() };
  return undefined;
}

function settleWith(reply: RememberedReply): RpcResult {
  if ('error' in reply) throw ReplyError.from(reply.error);
  return reply.result;
}

export class RpcOnce {
  readonly #store: RpcReplyStore;
  readonly #options: RpcOnceOptions;
  /** The keyed calls this node is running, by scoped key: a repeat here waits for the same promise. */
  readonly #running = new Map<string, Promise<RememberedReply>>();
  /** The claims this node is asking the engine for now, by scoped key. */
  readonly #claiming = new Map<string, Promise<RpcClaim>>();
  /** The keys each open connection of this node settled, oldest first (at most maxRepliesPerConnection). */
  readonly #owners = new Map<string, string[]>();
  readonly #outcomes: Record<'ran' | 'repeated' | 'too_large', CounterChild>;

  constructor(store: RpcReplyStore, options: RpcOnceOptions) {
    this.#store = store;
    this.#options = options;
    const family = new Counter('relais_rpc_idempotent_total', 'RPCs called with an idempotency key, by outcome.', ['outcome']);
    options.registry?.register(family);
    this.#outcomes = { ran: family.labels('ran'), repeated: family.labels('repeated'), too_large: family.labels('too_large') };
  }

  /** Keyed calls this node is running now. */
  get running(): number {
    return this.#running.size;
  }

  /** Connections with replies on record here (closed ones are dropped by `closed`). */
  get owners(): number {
    return this.#owners.size;
  }

  /** Connection `client` closed: its replies stay in the engine (a resend comes on a new connection). */
  closed(client: string): void {
    this.#owners.delete(client);
  }

  /**
   * Answers a call under `key` (see rpcKey) from connection `owner`: with the remembered reply,
   * or by running `run` once. Rejects as `run` does, or with 114 when a repeat waited waitMs for
   * another node. `run` is not bounded here: the caller races the returned promise with its
   * deadline.
   */
  async call(key: string, owner: RpcOwner, run: () => Promise<RpcResult>): Promise<RpcResult> {
    const deadline = Date.now() + this.#options.waitMs;
    let pollMs = FIRST_POLL_MS;
    for (;;) {
      const here = this.#running.get(key);
      if (here) {
        this.#outcomes.repeated.inc();
        return settleWith(await here);
      }
      const asked = this.#claiming.get(key);
      if (asked) {
        // A call of this node is claiming the key: once it knows, it runs (then we wait for it
        // above) or we look ourselves, instead of polling the engine for our own node's run.
        await asked.catch(() => {});
        continue;
      }
      const claim = await this.#claim(key);
      if (claim.state === 'claimed') return settleWith(await this.#run(key, owner, run));
      if (claim.state === 'answered') {
        this.#outcomes.repeated.inc();
        return settleWith(decodeReply(claim.reply));
      }
      // Another node runs it: look again, less and less often, until our caller's deadline.
      if (Date.now() + pollMs > deadline)
        throw new ReplyError(ERROR_CODES.TIMEOUT, 'the first call under this idempotency key is still running');
      await new Promise((resolve) => setTimeout(resolve, pollMs).unref?.());
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  }

  async #claim(key: string): Promise<RpcClaim> {
    const claiming = this.#store.claim(key, this.#options.leaseMs);
    this.#claiming.set(key, claiming);
    try {
      return await claiming;
    } finally {
      this.#claiming.delete(key);
    }
  }

  #run(key: string, owner: RpcOwner, run: () => Promise<RpcResult>): Promise<RememberedReply> {
    this.#outcomes.ran.inc();
    const running = this.#settle(key, owner, run).finally(() => this.#running.delete(key));
    this.#running.set(key, running);
    return running;
  }

  /** Runs the handler, remembers its reply (or frees the key) and gives the reply to every waiter. */
  async #settle(key: string, owner: RpcOwner, run: () => Promise<RpcResult>): Promise<RememberedReply> {
    let reply: RememberedReply;
    try {
      reply = { result: await run() };
    } catch (error) {
      const remembered = toReply(error);
      if (!remembered) {
        await this.#store.release(key).catch((failure: unknown) => this.#lost(key, failure));
        throw error;
      }
      reply = remembered;
    }
    let bytes: Uint8Array;
    try {
      bytes = this.#encode(reply);
    } catch (error) {
      // Data no encoder writes (the caller checked it first: a bug). Nothing to remember.
      await this.#store.release(key).catch((failure: unknown) => this.#lost(key, failure));
      throw error;
    }
    await this.#store.settle(key, bytes, this.#options.ttlMs).catch((failure: unknown) => this.#lost(key, failure));
    this.#own(owner, key);
    return reply;
  }

  /**
   * Records `key` as `owner`'s and forgets its oldest replies past maxRepliesPerConnection, so
   * that one connection calling with a new key each time cannot fill the engine. The list is
   * this node's: the connection lives here. A connection that closed before its call settled
   * keeps nothing on record (the reply expires with the window).
   */
  #own(owner: RpcOwner, key: string): void {
    let keys = this.#owners.get(owner.client);
    if (!keys) {
      if (owner.state === 'closed') return;
      this.#owners.set(owner.client, (keys = []));
    }
    keys.push(key);
    while (keys.length > this.#options.maxRepliesPerConnection) {
      const oldest = keys.shift() as string;
      this.#store.forget(oldest).catch((failure: unknown) => this.#lost(oldest, failure));
    }
  }

  /** The bytes kept for `reply`; a reply too large is kept as the 106 its repeats will get. */
  #encode(reply: RememberedReply): Uint8Array {
    const bytes = encodeReply(reply);
    const max = this.#options.maxReplyBytes;
    if (bytes.byteLength <= max) return bytes;
    this.#outcomes.too_large.inc();
    const message = `the reply to the first call under this idempotency key was ${bytes.byteLength} bytes, more than limits.maxRpcReplyBytes (${max}): it was not kept`;
    return encodeReply({ error: { code: ERROR_CODES.LIMIT_EXCEEDED, message, temporary: false } });
  }

  #lost(key: string, error: unknown): void {
    // The caller still gets its reply; a repeat after the claim's lease runs the handler again.
    this.#options.logger.warn({ err: error, key }, 'rpc: the engine could not keep the reply of an idempotent call');
  }
}

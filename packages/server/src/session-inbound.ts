/**
 * @module session-inbound
 * A connection's inbound side: decoding and parsing a message into commands, the byte and
 * command limits, the order rules (connect first; commands pipelined with connect wait for it),
 * and the dispatch of each command to its handler in commands/. One per Session; the hold on
 * flushes while pipelined commands run is the Session's (its write path).
 */
import { performance } from 'node:perf_hooks';
import {
  DISCONNECT_CODES,
  ERROR_CODES,
  ProtocolError,
  ReplyError,
  parseCommand,
  type Command,
  type Frame,
  type Method,
  type ParsedCommand,
} from '@relais/protocol';
import { answer, fail, type AnsweredSession } from './commands/answer.js';
import { COMMAND_HANDLERS } from './commands/index.js';
import type { CommandHandler, NodeServices } from './commands/context.js';
import type { Verdict } from './rate-limit/rate-limiter.js';

/** What the inbound side needs of its connection. */
export interface InboundSession extends AnsweredSession {
  /** Holds the connection's flushes while the commands pipelined with connect run. */
  holdFlushes(): void;
  /** Whether flushes are held. */
  readonly flushesHeld: boolean;
  /** Releases the hold: what was queued meanwhile goes out as one message. */
  releaseConnectHold(): void;
}

// Module-level, so that the connect pipeline's fallback allocates no closure per connection.
function releaseConnectHold(session: InboundSession): void {
  session.releaseConnectHold();
}

export class SessionInbound {
  readonly #session: InboundSession;
  readonly #node: NodeServices;
  /** Commands that arrived while `connect` ran; dispatched once it succeeded. */
  #afterConnect: Command[] | undefined;
  /** Commands whose handler has not answered yet. */
  #pending = 0;

  constructor(session: InboundSession, node: NodeServices) {
    this.#session = session;
    this.#node = node;
  }

  /** Decodes `message` (of `bytes` bytes) and runs its commands, in order. Never throws. */
  receive(message: Frame, bytes: number): void {
    const session = this.#session;
    let parsed: ParsedCommand[];
    try {
      // Not .map(parseCommand): map would pass the index as the parse options.
      parsed = session.codec.decode(message).map((value) => parseCommand(value, this.#node.options));
    } catch (error) {
      this.#protocolViolation(error);
      return;
    }
    const verdict = session.limiter.bytes(session.user, bytes);
    if (verdict !== 'ok') {
      this.#refuse(verdict, parsed);
      return;
    }
    for (const item of parsed) {
      // A command of this batch may have closed the session (e.g. one sent before connect).
      if (this.#isClosed()) return;
      this.#accept(item);
    }
  }

  /** The connection is established: runs the commands that waited for connect. */
  established(): void {
    const queued = this.#afterConnect ?? [];
    this.#afterConnect = undefined;
    if (queued.length === 0) return;
    const session = this.#session;
    session.holdFlushes();
    for (const command of queued) this.#route(command);
    if (this.#pending === 0) session.releaseConnectHold();
    else if (session.flushesHeld) setImmediate(releaseConnectHold, session);
  }

  /** The connection closed: the commands waiting for connect are dropped. */
  clear(): void {
    this.#afterConnect = undefined;
  }

  #accept(item: ParsedCommand): void {
    const session = this.#session;
    if (!item.ok) {
      session.replyError(item.id, item.error);
      // Before connect, an invalid command (a connect with bad params included) breaks the
      // protocol: nothing else may come first.
      if (session.state === 'connecting' && !this.#afterConnect)
        session.close(DISCONNECT_CODES.BAD_REQUEST, `bad request: ${item.error.message}`);
      return;
    }
    this.#node.metrics.command(item.command.method);
    const verdict = session.limiter.command(session.user);
    if (verdict !== 'ok') {
      this.#refuse(verdict, [item]);
      return;
    }
    if (this.#pending + (this.#afterConnect?.length ?? 0) >= session.limiter.limits.maxPendingCommands) {
      this.#node.metrics.limited('connection.pendingCommands');
      session.replyError(item.command.id, new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS, 'too many pending commands'));
      return;
    }
    this.#route(item.command);
  }

  /** Refuses commands over a rate limit: 111 for each, or a close with 3013 for a flood. */
  #refuse(verdict: Exclude<Verdict, 'ok'>, items: ParsedCommand[]): void {
    if (verdict === 'flood') {
      this.#session.close(DISCONNECT_CODES.FLOOD);
      return;
    }
    for (const item of items) {
      this.#session.replyError(item.ok ? item.command.id : item.id, new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS));
    }
  }

  #route(command: Command): void {
    const session = this.#session;
    if (session.state === 'connected') {
      if (command.method === 'connect') session.replyError(command.id, new ReplyError(ERROR_CODES.BAD_REQUEST, 'already connected'));
      else this.#run(command);
    } else if (this.#afterConnect) {
      // connect is running: later commands of the pipeline wait for it.
      this.#afterConnect.push(command);
    } else if (command.method === 'connect') {
      this.#afterConnect = [];
      this.#run(command);
    } else {
      session.close(DISCONNECT_CODES.BAD_REQUEST, `bad request: ${command.method} before connect`);
    }
  }

  #run(command: Command): void {
    const session = this.#session;
    // The table maps each method to its handler; TS cannot correlate the union, hence the cast.
    const handler = COMMAND_HANDLERS[command.method] as CommandHandler<Method>;
    this.#pending++;
    const startedAt = performance.now();
    // One reaction per command (not a .finally/.then/.catch chain): commands are the hot path.
    handler(session, command.params, this.#node).then(
      (handled) => {
        this.#pending--;
        answer(session, command, handled, this.#node);
        this.#node.metrics.commandDone(command.method, (performance.now() - startedAt) / 1000);
        if (this.#pending === 0) session.releaseConnectHold();
      },
      (error: unknown) => {
        this.#pending--;
        fail(session, command, error, this.#node.logger);
        this.#node.metrics.commandDone(command.method, (performance.now() - startedAt) / 1000);
        if (this.#pending === 0) session.releaseConnectHold();
      },
    );
  }

  #protocolViolation(error: unknown): void {
    const session = this.#session;
    this.#node.metrics.badFrame();
    if (!(error instanceof ProtocolError)) {
      this.#node.logger.error({ err: error, client: session.client }, 'unexpected error while decoding');
      session.close(DISCONNECT_CODES.SERVER_ERROR);
      return;
    }
    this.#node.logger.debug({ client: session.client, code: error.code, reason: error.message }, 'protocol violation');
    session.close(DISCONNECT_CODES.BAD_REQUEST, `bad request: ${error.message}`);
  }

  // A method, not a field read: TS would keep the narrowing across calls that change the state.
  #isClosed(): boolean {
    return this.#session.state === 'closed';
  }
}

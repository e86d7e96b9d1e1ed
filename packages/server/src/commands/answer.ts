/**
 * @module commands/answer
 * What a command's outcome becomes on the wire, once: its result, or one error reply, or the
 * close its handler asked for. A result that cannot be encoded is answered 100 and one too
 * large for the queue 106 (nothing was sent yet, and `undo` gives back what the handler
 * reserved); a failure after the reply went out closes the connection instead of answering
 * again.
 */
import { DISCONNECT_CODES, Disconnect, ERROR_CODES, ReplyError, type Command, type Frame } from '@relais/protocol';
import type { Logger } from '../logger.js';
import { frameBytes } from '../transport.js';
import type { CommandSession, Handled, NodeServices } from './context.js';

/** The connection as answering needs it. */
export interface AnsweredSession extends CommandSession {
  /** Bytes waiting to be sent on the connection. */
  queuedBytes(): number;
  /** Queues an encoded reply. */
  enqueueReply(frame: Frame): void;
  /** Answers command `id` with `error`. */
  replyError(id: number, error: ReplyError): void;
}

/** Answers `command` with what its handler returned. */
export function answer(
  session: AnsweredSession,
  command: Command,
  handled: Handled<unknown>,
  node: Pick<NodeServices, 'logger' | 'options'>,
): void {
  if (session.state === 'closed') return;
  const { result, afterReply, undo, fit } = handled;
  let frame: Frame;
  try {
    fit?.(session.queuedBytes());
    frame = session.codec.encode({ id: command.id, result });
    checkReplySize(frame, node.options.maxQueueBytes);
  } catch (error) {
    if (!(error instanceof ReplyError)) {
      // A result no encoder writes (a hook's BigInt, a cycle).
      node.logger.error({ err: error, client: session.client, method: command.method }, 'command result could not be encoded');
    }
    if (runSafely(session, command, undo, node.logger)) {
      fail(session, command, error instanceof ReplyError ? error : new ReplyError(ERROR_CODES.INTERNAL), node.logger);
    }
    return;
  }
  session.enqueueReply(frame);
  runSafely(session, command, afterReply, node.logger);
}

/** Runs a handler's follow-up; if it throws, the connection is closed with 3004. */
function runSafely(session: AnsweredSession, command: Command, step: (() => void) | undefined, logger: Logger): boolean {
  if (!step) return true;
  try {
    step();
    return true;
  } catch (error) {
    logger.error(
      { err: error, client: session.client, method: command.method },
      'command failed after its handler; closing the connection',
    );
    session.close(DISCONNECT_CODES.SERVER_ERROR);
    return false;
  }
}

/**
 * Answers `command` with `error`: a Disconnect closes the connection, a ReplyError is replied,
 * anything else is logged and answered 100; a refused connect then closes with 3505. Never
 * throws: it ends every command's promise chain, so a throw would be an unhandled rejection.
 */
export function fail(session: AnsweredSession, command: Command, error: unknown, logger: Logger): void {
  try {
    failUnsafe(session, command, error, logger);
  } catch (failure) {
    logger.error({ err: failure, client: session.client }, 'failed to report a command error');
    session.close(DISCONNECT_CODES.SERVER_ERROR);
  }
}

function failUnsafe(session: AnsweredSession, command: Command, error: unknown, logger: Logger): void {
  if (session.state === 'closed') return;
  if (error instanceof Disconnect) {
    session.close(error.code, error.reason);
    return;
  }
  if (error instanceof ReplyError) {
    session.replyError(command.id, error);
  } else {
    logger.error({ err: error, client: session.client, method: command.method }, 'command failed');
    session.replyError(command.id, new ReplyError(ERROR_CODES.INTERNAL));
  }
  if (command.method === 'connect' && session.state === 'connecting') {
    // A refused connect ends the connection: the client got the reason in the reply.
    session.close(DISCONNECT_CODES.CONNECTION_REFUSED);
  }
}

/**
 * A reply larger than the whole queue would close the connection as slow (3008) however fast
 * the client reads, and again after every reconnect: it is refused with 106 instead.
 */
function checkReplySize(frame: Frame, maxQueueBytes: number): void {
  const bytes = frameBytes(frame);
  if (bytes > maxQueueBytes) {
    throw new ReplyError(
      ERROR_CODES.LIMIT_EXCEEDED,
      `reply of ${bytes} bytes is larger than this connection's queue (maxQueueBytes ${maxQueueBytes})`,
    );
  }
}

/**
 * @module commands/rpc
 * `rpc`: checks the data with the contract's schema of the method (107), calls the handler
 * registered for the method (104 when none), bounded by rpcTimeoutMs (114), and checks its
 * result with the contract's output schema (a mismatch is logged, counted and answered 100,
 * not temporary). A generic throw reaches the client as 100 without its message (see
 * Session). With an idempotency key the handler runs once per (user, method, key) within the
 * idempotency window (rpc-once/).
 */
import { ERROR_CODES, ReplyError, describeIssues, type RpcResult } from '@relais/protocol';
import { validateData } from '../contract/contract-checks.js';
import { checkData } from '../data-checks.js';
import { rpcKey } from '../rpc-once/rpc-once.js';
import type { RpcHandler } from '../events.js';
import type { CommandHandler, CommandSession, NodeServices } from './context.js';

function timeout(ms: number): { promise: Promise<never>; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReplyError(ERROR_CODES.TIMEOUT)), ms);
    timer.unref?.();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

function shown(method: string): string {
  return JSON.stringify(method.slice(0, 32));
}

/** The handler's value as a result: checked sendable, and by the contract's output schema. */
async function checkedResult(node: NodeServices, session: CommandSession, method: string, data: unknown): Promise<RpcResult> {
  const schema = node.options.contract.rpcOutput(method);
  if (schema !== undefined) {
    const checked = await schema['~standard'].validate(data);
    if (checked.issues !== undefined) {
      node.rpc.outputRejected.inc();
      node.logger.error(
        { client: session.client, method, issues: describeIssues(checked.issues) },
        'rpc handler returned a result that does not match its contract output schema; not sent',
      );
      // Not temporary: a retry would run the handler again for the same bad result.
      throw new ReplyError(ERROR_CODES.INTERNAL, `rpc ${shown(method)} returned a result that does not match its output schema`, {
        temporary: false,
      });
    }
    data = checked.value;
  }
  if (data === undefined) return {};
  checkData(`rpc handler ${shown(method)} returned data that cannot be sent`, data, node.options.maxDataDepth, false);
  return { data };
}

/** Runs the handler once; its promise settles when the handler (and the result's checks) did. */
async function invoke(node: NodeServices, session: CommandSession, handler: RpcHandler, method: string, data: unknown): Promise<RpcResult> {
  return checkedResult(node, session, method, await handler({ client: session.details(), method, data }));
}

export const handleRpc: CommandHandler<'rpc'> = async (session, params, node) => {
  const { method, idempotencyKey } = params;
  const handler = node.hooks.rpc(method);
  if (!handler) throw new ReplyError(ERROR_CODES.METHOD_NOT_FOUND, `rpc method ${shown(method)} not found`);
  const schema = node.options.contract.rpcInput(method);
  const data = schema === undefined ? params.data : await validateData(schema, params.data, `rpc ${shown(method)} data`);
  if (!session.limiter.rpcStarted()) throw new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS, 'too many pending rpc calls');
  let returned: unknown;
  try {
    if (idempotencyKey !== undefined) {
      returned = node.rpc.once.call(rpcKey(session.user, method, idempotencyKey), session, () =>
        invoke(node, session, handler, method, data),
      );
    } else {
      returned = handler({ client: session.details(), method, data });
    }
  } catch (error) {
    session.limiter.rpcEnded();
    throw error;
  }
  // A handler that answered synchronously cannot be late: no deadline timer, no race.
  if (!isThenable(returned)) {
    session.limiter.rpcEnded();
    return { result: await checkedResult(node, session, method, returned) };
  }
  const deadline = timeout(node.options.rpcTimeoutMs);
  const call = Promise.resolve(returned);
  // The call counts as pending until it settles, even after the deadline answered 114.
  // (This chain also keeps a handler that fails after the deadline from being unhandled.)
  const ended = (): void => session.limiter.rpcEnded();
  call.then(ended, ended);
  const answered =
    idempotencyKey !== undefined ? (call as Promise<RpcResult>) : call.then((value) => checkedResult(node, session, method, value));
  try {
    return { result: await Promise.race([answered, deadline.promise]) };
  } finally {
    deadline.cancel();
  }
};

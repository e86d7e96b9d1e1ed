/**
 * @module commands/rpc
 * `rpc`: checks the data with the contract's schema of the method (107), calls the handler
 * registered for the method (104 when none), bounded by rpcTimeoutMs
 * (114). A generic throw reaches the client as 100 without its message (see Session).
 */
import { ERROR_CODES, ReplyError, type RpcResult } from '@relais/protocol';
import { validateData } from '../contract/contract-checks.js';
import { checkData } from '../data-checks.js';
import type { CommandHandler, NodeServices } from './context.js';

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

function answer(node: NodeServices, method: string, data: unknown): { result: RpcResult } {
  if (data === undefined) return { result: {} };
  checkData(`rpc handler ${JSON.stringify(method.slice(0, 32))} returned data that cannot be sent`, data, node.options.maxDataDepth, false);
  return { result: { data } };
}

export const handleRpc: CommandHandler<'rpc'> = async (session, params, node) => {
  const handler = node.hooks.rpc(params.method);
  if (!handler) throw new ReplyError(ERROR_CODES.METHOD_NOT_FOUND, `rpc method ${JSON.stringify(params.method.slice(0, 32))} not found`);
  const schema = node.options.contract.rpcInput(params.method);
  const data =
    schema === undefined ? params.data : await validateData(schema, params.data, `rpc ${JSON.stringify(params.method.slice(0, 32))} data`);
  if (!session.limiter.rpcStarted()) throw new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS, 'too many pending rpc calls');
  let returned: unknown;
  try {
    returned = handler({ client: session.details(), method: params.method, data });
  } catch (error) {
    session.limiter.rpcEnded();
    throw error;
  }
  // A handler that answered synchronously cannot be late: no deadline timer, no race.
  if (!isThenable(returned)) {
    session.limiter.rpcEnded();
    return answer(node, params.method, returned);
  }
  const deadline = timeout(node.options.rpcTimeoutMs);
  const call = Promise.resolve(returned);
  // The handler counts as pending until it settles, even after the deadline answered 114.
  // (This chain also keeps a handler that fails after the deadline from being unhandled.)
  const ended = (): void => session.limiter.rpcEnded();
  call.then(ended, ended);
  try {
    return answer(node, params.method, await Promise.race([call, deadline.promise]));
  } finally {
    deadline.cancel();
  }
};

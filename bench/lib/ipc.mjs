/**
 * @module bench/lib/ipc
 * Request/response over a child process's IPC channel: the parent `call`s, the child `serve`s.
 * Every child exits when its parent goes away, so a killed orchestrator leaves nothing behind.
 */
let nextId = 1;

/** A child that did not answer a call in time: it is stuck (busy loop, or a backlog too long). */
export class NoAnswerError extends Error {
  name = 'NoAnswerError';
  code = 'BENCH_ERR_NO_ANSWER';
}

/** A child that exited, or whose IPC channel closed, before it answered a call. */
export class ChildGoneError extends Error {
  name = 'ChildGoneError';
  code = 'BENCH_ERR_CHILD_GONE';
}

/**
 * Sends `{cmd, ...args}` to `child` and resolves with its answer. Rejects with the child's
 * error, a NoAnswerError after `timeoutMs`, or a ChildGoneError.
 */
export function call(child, cmd, args = {}, timeoutMs = 120_000) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new NoAnswerError(`${cmd}: no answer from pid ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message) => {
      if (message?.replyTo !== id) return;
      cleanup();
      if (message.error) reject(new Error(`${cmd} (pid ${child.pid}): ${message.error}`));
      else resolve(message.value);
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new ChildGoneError(`${cmd}: pid ${child.pid} exited (${code ?? signal})`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
    if (!child.connected) {
      cleanup();
      reject(new ChildGoneError(`${cmd}: pid ${child.pid} is gone`));
      return;
    }
    child.send({ id, cmd, ...args }, (error) => {
      if (!error) return;
      cleanup();
      reject(new ChildGoneError(`${cmd}: could not reach pid ${child.pid}: ${error.message}`, { cause: error }));
    });
  });
}

/** Answers the parent's calls with `handlers[cmd](args)`; exits when the parent disconnects. */
export function serve(handlers) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    const handler = handlers[message.cmd];
    try {
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const value = await handler(message);
      process.send?.({ replyTo: message.id, value });
    } catch (error) {
      process.send?.({ replyTo: message.id, error: String(error?.stack ?? error) });
    }
  });
}

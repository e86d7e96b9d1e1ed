/**
 * @module bench/lib/ipc
 * Request/response over a child process's IPC channel: the parent `call`s, the child `serve`s.
 * Every child exits when its parent goes away, so a killed orchestrator leaves nothing behind.
 */
let nextId = 1;

/** Sends `{cmd, ...args}` to `child` and resolves with its answer (rejects on error or timeout). */
export function call(child, cmd, args = {}, timeoutMs = 120_000) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${cmd}: no answer from pid ${child.pid} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message) => {
      if (message?.replyTo !== id) return;
      cleanup();
      if (message.error) reject(new Error(`${cmd} (pid ${child.pid}): ${message.error}`));
      else resolve(message.value);
    };
    const onExit = (code, signal) => {
      cleanup();
      reject(new Error(`${cmd}: pid ${child.pid} exited (${code ?? signal})`));
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
      reject(new Error(`${cmd}: pid ${child.pid} is gone`));
      return;
    }
    child.send({ id, cmd, ...args }, (error) => {
      if (!error) return;
      cleanup();
      reject(error);
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

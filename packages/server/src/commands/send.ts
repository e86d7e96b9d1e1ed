/**
 * @module commands/send
 * `send`: hands client data to the onMessage hooks, in order, and replies {} once they
 * finished. Without hooks the data is dropped and the reply is still {}: `send` is
 * fire-and-forget from the client's view, and a node without hooks is not an error.
 */
import type { CommandHandler } from './context.js';

export const handleSend: CommandHandler<'send'> = async (session, params, node) => {
  const hooks = node.hooks.message.list();
  if (hooks.length > 0) {
    const event = { client: session.details(), data: params.data };
    for (const hook of hooks) await hook(event);
  }
  return { result: {} };
};

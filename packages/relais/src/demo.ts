/**
 * @module demo
 * The demo apps' server halves as `relais serve` installs them: the chat (whose options are the
 * config file's `demo`), the counter (its native RPCs and its Socket.IO page's server, sharing one
 * count), and the transports page's ticks.
 */
import { installChat, resolveDemoOptions, type DemoOptions } from '@relais/app-chat/server';
import { ClickCounter, installCounter, installSocketIoCounter } from '@relais/app-counter/server';
import { installTicks } from '@relais/app-transports/server';
import type { Relais } from '@relais/server';

/**
 * Installs the chat, the counter and the ticks on a node; returns a disposer. Throws OptionsError on bad options.
 * The counter's Socket.IO server takes Socket.IO's default path, `/socket.io/`, on the node's HTTP server.
 * @example
 * const relais = createRelais();
 * installDemo(relais, { maxMessageLength: 200 });
 */
export function installDemo(relais: Relais, options: DemoOptions = {}): () => void {
  const resolved = resolveDemoOptions(options);
  const counter = new ClickCounter(relais);
  const closeSocketIo = installSocketIoCounter(relais, counter);
  const disposers = [installChat(relais, resolved), installCounter(relais, counter), installTicks(relais)];
  return () => {
    for (const dispose of disposers) dispose();
    // Releases /socket.io/ and closes the Socket.IO connections; nothing of it can fail the caller.
    closeSocketIo().catch(() => undefined);
  };
}

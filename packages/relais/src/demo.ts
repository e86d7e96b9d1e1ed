/**
 * @module demo
 * The demo apps' server halves as `relais serve` installs them: the chat (whose options are the
 * config file's `demo`), the counter, and the transports page's ticks.
 */
import { installChat, resolveDemoOptions, type DemoOptions } from '@relais/app-chat/server';
import { installCounter } from '@relais/app-counter/server';
import { installTicks } from '@relais/app-transports/server';
import type { Relais } from '@relais/server';

/**
 * Installs the chat and the counter on a node; returns a disposer. Throws OptionsError on bad options.
 * @example
 * const relais = createRelais();
 * installDemo(relais, { maxMessageLength: 200 });
 */
export function installDemo(relais: Relais, options: DemoOptions = {}): () => void {
  const resolved = resolveDemoOptions(options);
  const disposers = [installChat(relais, resolved), installCounter(relais), installTicks(relais)];
  return () => {
    for (const dispose of disposers) dispose();
  };
}

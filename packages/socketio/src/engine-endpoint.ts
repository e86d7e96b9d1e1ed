/**
 * @module engine-endpoint
 * A raw Engine.IO endpoint on a relais node (default `/engine.io/`), for embedding: apps get
 * each EngineSocket and exchange plain messages, without Socket.IO's packets.
 */
import type { Relais } from '@relais/server';
import type { EngineServer } from './engine/engine-server.js';
import { mountEngine } from './endpoint.js';
import { resolveServerOptions, type ServerOptions } from './options.js';

export type EngineEndpointOptions = Omit<ServerOptions, 'connectTimeout' | 'maxAttachments'>;

/**
 * Serves Engine.IO v4 on `options.path` (default `/engine.io/`); returns the EngineServer
 * (its `connection` event gives each session) and a disposer.
 * @example
 * const { engine } = attachEngine(relais);
 * engine.on('connection', (socket) => socket.on('message', (data) => socket.send([data])));
 */
export function attachEngine(relais: Relais, options: EngineEndpointOptions = {}): { engine: EngineServer; close: () => void } {
  const resolved = resolveServerOptions({ path: '/engine.io/', ...options });
  const { engine, unmount } = mountEngine(relais, resolved);
  return {
    engine,
    close: () => {
      unmount();
      engine.close();
    },
  };
}

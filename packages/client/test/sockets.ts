/**
 * @module test/sockets
 * Sockets for end-to-end tests of the SDK: a WebSocket constructor whose sockets can be cut
 * (no close frame) and which can refuse to connect, and a wait for a condition without
 * sleeping blindly.
 */
import WebSocket from 'ws';
import type { WebSocketConstructor } from '@relais/client';

/** A WebSocket constructor whose sockets can be cut, and which can refuse to connect. */
export function cuttableSockets(): { WebSocket: WebSocketConstructor; cut(): void; blocked: boolean } {
  const sockets: WebSocket[] = [];
  const control = {
    blocked: false,
    WebSocket: class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        // Port 1 refuses the connection: the SDK sees a failed attempt and backs off.
        super(control.blocked ? 'ws://127.0.0.1:1/' : url, protocols);
        sockets.push(this);
      }
    },
    /** Destroys the TCP socket of the live connection: no close frame either way. */
    cut() {
      for (const ws of sockets.splice(0)) ws.terminate();
    },
  };
  return control;
}

/** Resolves once `predicate` holds (checked every 2 ms); rejects after `timeoutMs`. */
export function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 2);
    };
    check();
  });
}

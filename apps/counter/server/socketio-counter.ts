/**
 * @module counter/server/socketio-counter
 * The click counter as a Socket.IO page (seed 001): the seed's server code on the node, bridged to
 * the native counter so that both pages show one count.
 *
 * The seed keeps its count in its own closure and moves it only in its `click` handler, so the
 * bridge keeps the two counts equal by sending every click through both:
 * - a Socket.IO click runs the seed's handler (its `count++` and `io.emit('click', count)`), then
 *   the bridge's listener, which clicks the native counter (`demo:counter` gets `{ count }`);
 * - a native click (RPC `counter.increment`) runs the seed's own `click` handler, as if a
 *   Socket.IO client had clicked: the seed counts it and emits it to every Socket.IO page.
 * The seed's handler is taken from the first socket that connects (it only uses the seed's count
 * and `io`, so it stays good after that socket leaves); native clicks made before that are
 * replayed through it then. Each new socket also gets `click` with the current count, so a page
 * opened late shows the count at once.
 */
import type { Relais } from '@relais/server';
import type { Socket } from '@relais/socketio';
import type { ClickCounter } from './counter.js';
import { seedCounterServer } from './seed-001.js';

/** The seed's event carrying a click (client → server) and the new count (server → clients). */
export const SOCKETIO_CLICK_EVENT = 'click';

/** Serves seed 001's Socket.IO counter on `relais`, sharing `counter`; the disposer closes it. */
export function installSocketIoCounter(relais: Relais, counter: ClickCounter): () => Promise<void> {
  const io = seedCounterServer(relais);
  let seedClick: (() => void) | undefined;
  // Clicks the seed's handler has run: its own count, always equal to `counter.count` once the
  // handler is known.
  let seedCount = 0;

  const catchUp = () => {
    if (!seedClick) return;
    while (seedCount < counter.count) {
      seedCount += 1;
      seedClick();
    }
  };

  // Registered after the seed's `connection` listener, so the seed's `click` handler is on the socket.
  io.on('connection', (socket: Socket) => {
    seedClick ??= socket.listeners(SOCKETIO_CLICK_EVENT)[0] as (() => void) | undefined;
    catchUp();
    socket.on(SOCKETIO_CLICK_EVENT, () => {
      seedCount += 1;
      // It fails only when the node is closing; the seed has counted the click already.
      counter.click('socketio').catch(() => undefined);
    });
    socket.emit(SOCKETIO_CLICK_EVENT, counter.count);
  });
  const stopListening = counter.onClick((_count, source) => {
    if (source === 'native') catchUp();
  });

  return async () => {
    stopListening();
    await io.close();
  };
}

/**
 * @module drain
 * Closing a node's connections spread over a window (the `drainWindowMs` option): a node that
 * closes every connection at once sends all its clients to the other nodes in the same instant,
 * and each of them pays for that herd of handshakes, subscribes and recoveries. Spread, the
 * clients leave a batch at a time, and those not yet closed keep receiving meanwhile.
 */

/** How often a spread close closes its next batch, in ms. */
export const DRAIN_TICK_MS = 50;

/**
 * Calls `close` on every item of `items`, in order, in batches spread evenly over `windowMs`:
 * one batch every `tickMs`, the first at once, the last before the window ends. With a window
 * shorter than one tick everything is closed at once. Resolves after the last batch.
 * @example await closeSpread(sessions, 10_000, (session) => session.close(3001, 'shutdown'));
 */
export function closeSpread<T>(items: readonly T[], windowMs: number, close: (item: T) => void, tickMs = DRAIN_TICK_MS): Promise<void> {
  const batches = Math.max(1, Math.floor(windowMs / tickMs));
  const count = items.length;
  let batch = 0;
  const closeBatch = (): void => {
    const from = Math.ceil((batch * count) / batches);
    const to = Math.ceil(((batch + 1) * count) / batches);
    for (let i = from; i < to; i++) close(items[i] as T);
    batch++;
  };
  closeBatch();
  if (batch >= batches || count === 0) {
    while (batch < batches) closeBatch();
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      closeBatch();
      if (batch >= batches) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
}

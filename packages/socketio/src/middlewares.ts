/**
 * @module middlewares
 * Runs a chain of socket.io middlewares (`io.use` on connection, `socket.use` on each event):
 * in order, each calling `next()` to go on or `next(error)` to stop; a middleware that throws,
 * or returns a promise that rejects, stops the chain with that error. Later calls of a `next`
 * do nothing.
 */

/** A middleware of subject `S`: `next(error)` stops the chain. */
export type Middleware<S> = (subject: S, next: (error?: Error) => void) => unknown;

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs `middlewares` on `subject` from `index`; `done()` after the last, `done(error)` at the first error. */
export function runMiddlewares<S>(middlewares: readonly Middleware<S>[], subject: S, done: (error?: Error) => void, index = 0): void {
  const middleware = middlewares[index];
  if (!middleware) {
    done();
    return;
  }
  let called = false;
  const next = (error?: Error): void => {
    if (called) return;
    called = true;
    if (error) done(asError(error));
    else runMiddlewares(middlewares, subject, done, index + 1);
  };
  try {
    const result = middleware(subject, next);
    if (result instanceof Promise) result.catch((error: unknown) => next(asError(error)));
  } catch (error) {
    next(asError(error));
  }
}

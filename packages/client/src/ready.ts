/**
 * @module ready
 * `client.ready()`: a promise of the next 'connected' state, rejected when the client closes or
 * stops retrying.
 */
import type { Disposer, Listener } from './emitter.js';
import { ClientClosedError, DisconnectedError } from './errors.js';
import type { ClientState, StateChange } from './events.js';

/** Resolves once the state is 'connected'; `onState` registers a state listener. */
export function untilReady(state: ClientState, onState: (listener: Listener<StateChange>) => Disposer): Promise<void> {
  if (state === 'connected') return Promise.resolve();
  if (state === 'closed') return Promise.reject(new ClientClosedError());
  return new Promise((resolve, reject) => {
    const off = onState((change) => {
      if (change.state === 'connected') resolve();
      else if (change.state === 'closed') reject(new ClientClosedError());
      else if (change.state === 'disconnected' && change.nextRetryAt === undefined) {
        reject(new DisconnectedError(change.reason ?? 'disconnected', change.code, { cause: change.error }));
      } else return;
      off();
    });
  });
}

/**
 * @module cli/bench-clients
 * The @relais/client connections of `relais bench`, wherever they run (the main thread or a
 * worker): their options, the publication body and its clock, and waiting for a subscription.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import type { Client, ClientOptions, EventSourceConstructor, Subscription } from '@relais/client';
import { FALLBACKS } from '@relais/client/fallback';
import { msgpack } from '@relais/client/msgpack';
import { UsageError } from './args.js';
import type { BenchArgs } from './bench-args.js';

/** What a bench publication carries. */
export interface BenchBody {
  /** `benchNow()` of the publisher when it was sent. */
  t: number;
  /** Index of the publication in its channel. */
  k: number;
  p?: string;
}

/**
 * The clock publishers stamp with and subscribers read: the same in every thread of the
 * process (each thread's `performance.now()` counts from its own origin).
 */
export function benchNow(): number {
  return performance.timeOrigin + performance.now();
}

/** What the `args` of a run say about its connections (all of it can cross to a worker). */
export type BenchClientArgs = Pick<BenchArgs, 'url' | 'transport' | 'encoding' | 'token'>;

const silent = { debug() {}, error() {} };

async function eventSource(): Promise<EventSourceConstructor> {
  const global = (globalThis as { EventSource?: EventSourceConstructor }).EventSource;
  if (global) return global;
  try {
    const module = (await import('eventsource')) as unknown as { EventSource: EventSourceConstructor };
    return module.EventSource;
  } catch {
    throw new UsageError('--transport sse needs an EventSource: this Node has none; install the eventsource package');
  }
}

/** The client options of every bench connection. Throws UsageError when the transport cannot run. */
export async function benchClientOptions(args: BenchClientArgs): Promise<ClientOptions> {
  const options: ClientOptions = {
    websocket: WebSocket as unknown as ClientOptions['websocket'],
    transports: [args.transport === 'websocket' ? 'websocket' : FALLBACKS[args.transport]],
    encoding: args.encoding === 'msgpack' ? msgpack : 'json',
    // A bench counts a lost connection as an error rather than hiding it behind a reconnect.
    maxReconnectAttempts: 0,
    window: null,
    document: null,
    logger: silent,
  };
  if (args.token !== undefined) options.token = args.token;
  if (args.transport === 'sse') options.EventSource = await eventSource();
  return options;
}

export type SubscribeFailure = { kind: 'connect' | 'subscribe'; why: unknown };

/** Resolves once `sub` is subscribed (undefined) or with why it failed for good. */
export function subscribed(client: Client, sub: Subscription<BenchBody>): Promise<SubscribeFailure | undefined> {
  return new Promise((resolve) => {
    const offs = [
      sub.on('state', (change) => {
        if (change.state === 'subscribed') done(undefined);
        else if (change.state === 'unsubscribed') done({ kind: 'subscribe', why: change.error ?? change.reason ?? 'unsubscribed' });
      }),
      client.on('state', (change) => {
        if (change.state === 'closed' || (change.state === 'disconnected' && change.nextRetryAt === undefined)) {
          done({ kind: 'connect', why: change.error ?? change.reason ?? change.state });
        }
      }),
    ];
    function done(failure: SubscribeFailure | undefined): void {
      for (const off of offs) off();
      resolve(failure);
    }
  });
}

/** Runs `work(i)` for i in [0, count), `concurrency` at a time. */
export async function pool(count: number, concurrency: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(count, concurrency) }, async () => {
    while (next < count) await work(next++);
  });
  await Promise.all(lanes);
}

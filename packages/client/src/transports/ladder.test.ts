import { describe, expect, it } from 'vitest';
import { defaultTimers } from '../timer.js';
import { httpStream, longPoll, sse } from '../fallback.js';
import type { FetchLike } from './fetch.js';
import { FAILURES_BEFORE_DEMOTION, TransportLadder } from './ladder.js';
import type { WebSocketConstructor } from './websocket.js';

const websocket = class {} as unknown as WebSocketConstructor;
const fetch = (() => Promise.reject(new Error('unused'))) as FetchLike;

function ladder(): TransportLadder {
  return new TransportLadder(
    'ws://example.test/connection/websocket',
    { transports: ['websocket', httpStream, longPoll], websocket, fetch, EventSource: undefined, transportRetryMs: 60_000 },
    defaultTimers,
  );
}

/** One attempt that ends before its connect reply. */
function fail(l: TransportLadder): void {
  l.opener(['relais.v1.json']);
  l.lost();
}

describe('TransportLadder', () => {
  it('skips transports the runtime lacks, and names what is missing when none is left', () => {
    expect(ladder().kinds).toEqual(['websocket', 'http_stream', 'long_poll']);
    expect(
      () =>
        new TransportLadder(
          'ws://x/connection/websocket',
          { transports: [sse], websocket, fetch: undefined, EventSource: undefined, transportRetryMs: 1 },
          defaultTimers,
        ),
    ).toThrow('no transport can run in this runtime: sse needs options.EventSource and a fetch');
  });

  it('moves one step down for each attempt that never connected, and wraps around', () => {
    const l = ladder();
    expect(l.current).toBe('websocket');
    fail(l);
    expect(l.current).toBe('http_stream');
    fail(l);
    expect(l.current).toBe('long_poll');
    fail(l);
    expect(l.current).toBe('websocket');
  });

  it('keeps a transport that connected through failures (a server restart), until too many in a row', () => {
    const l = ladder();
    fail(l);
    l.opener(['relais.v1.json']);
    l.connected(() => {});
    l.lost();
    expect(l.current).toBe('http_stream');
    for (let i = 1; i < FAILURES_BEFORE_DEMOTION; i++) fail(l);
    expect(l.current).toBe('http_stream');
    fail(l);
    expect(l.current).toBe('long_poll');
    l.stopProbe();
  });
});

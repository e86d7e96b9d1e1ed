import { EventEmitter } from 'node:events';
import { createRelais, silentLogger } from '@relais/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { SupabaseMetrics } from './metrics.js';
import { resolveSupabaseOptions } from './options.js';
import { disabledPostgresChanges } from './postgres-changes.js';
import { SupabaseSocket } from './socket.js';

/** A WebSocket that records what is sent and how it is closed. */
class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: string[] = [];
  closedWith: [number, string] | undefined;
  send(text: string): void {
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closedWith ??= [code, reason];
    this.readyState = 3;
    this.emit('close');
  }
}

afterEach(() => {
  vi.useRealTimers();
});

function socket(ws: FakeWs, idleTimeoutMs = 1000): SupabaseSocket {
  const relais = createRelais();
  return new SupabaseSocket(
    ws as unknown as WebSocket,
    { vsn: '2.0.0', apikey: undefined, transport: { headers: {} } },
    {
      relais,
      options: resolveSupabaseOptions({ idleTimeoutMs }),
      postgresChanges: disabledPostgresChanges,
      logger: silentLogger,
      metrics: new SupabaseMetrics(() => 0),
      rejected: () => undefined,
      closed: () => void relais.close(),
    },
  );
}

describe('SupabaseSocket', () => {
  it('closes a socket that sends nothing for idleTimeoutMs; each frame starts the wait again', () => {
    vi.useFakeTimers();
    const ws = new FakeWs();
    socket(ws, 1000);
    vi.advanceTimersByTime(900);
    ws.emit('message', Buffer.from('[null,"1","phoenix","heartbeat",{}]'), false);
    expect(ws.sent).toEqual(['[null,"1","phoenix","phx_reply",{"status":"ok","response":{}}]']);
    vi.advanceTimersByTime(999);
    expect(ws.closedWith).toBeUndefined();
    vi.advanceTimersByTime(1);
    expect(ws.closedWith).toEqual([1000, 'idle: no heartbeat']);
  });

  it('answers a binary frame that is not a user broadcast push with an error reply', () => {
    const ws = new FakeWs();
    socket(ws);
    ws.emit('message', Buffer.from([9, 9, 9, 9, 9, 9, 9]), true);
    expect(JSON.parse(ws.sent[0]!)).toEqual([
      null,
      null,
      'phoenix',
      'phx_reply',
      { status: 'error', response: { reason: 'binary frame kind 9 is not a user broadcast push (3)' } },
    ]);
    ws.close(1000, 'done');
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat, type HeartbeatActions } from './heartbeat.js';

const OPTIONS = { pingIntervalMs: 1000, pongTimeoutMs: 500, connectTimeoutMs: 300 };

function actions(): HeartbeatActions & { pings: number; expired: number[] } {
  return {
    pings: 0,
    expired: [],
    heartbeatPing() {
      this.pings++;
    },
    heartbeatExpired(code) {
      this.expired.push(code);
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('expires with 3014 when not started within connectTimeoutMs, once', () => {
    const peer = actions();
    new Heartbeat(OPTIONS, peer).startConnectTimer();
    vi.advanceTimersByTime(299);
    expect(peer.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(peer.expired).toEqual([3014]);
    vi.advanceTimersByTime(10_000);
    expect(peer.expired).toEqual([3014]);
    expect(peer.pings).toBe(0);
  });

  it('cancels the connect deadline on start and pings every pingIntervalMs while the peer answers', () => {
    const peer = actions();
    const heartbeat = new Heartbeat(OPTIONS, peer);
    heartbeat.startConnectTimer();
    vi.advanceTimersByTime(200);
    heartbeat.start();
    for (let i = 1; i <= 5; i++) {
      vi.advanceTimersByTime(999);
      expect(peer.pings).toBe(i - 1);
      vi.advanceTimersByTime(1);
      expect(peer.pings).toBe(i);
      heartbeat.seen();
    }
    expect(peer.expired).toEqual([]);
  });

  it('expires with 3012 after pingIntervalMs + pongTimeoutMs without an inbound frame', () => {
    const peer = actions();
    const heartbeat = new Heartbeat(OPTIONS, peer);
    heartbeat.start();
    vi.advanceTimersByTime(1000);
    expect(peer.pings).toBe(1);
    vi.advanceTimersByTime(499);
    expect(peer.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(peer.expired).toEqual([3012]);
    vi.advanceTimersByTime(10_000);
    expect(peer.expired).toEqual([3012]);
    expect(peer.pings).toBe(1);
  });

  it('measures silence from the last inbound frame', () => {
    const peer = actions();
    const heartbeat = new Heartbeat(OPTIONS, peer);
    heartbeat.start();
    vi.advanceTimersByTime(1200);
    heartbeat.seen();
    vi.advanceTimersByTime(1499);
    expect(peer.expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(peer.expired).toEqual([3012]);
  });

  it('does nothing after stop', () => {
    const peer = actions();
    const heartbeat = new Heartbeat(OPTIONS, peer);
    heartbeat.start();
    heartbeat.stop();
    vi.advanceTimersByTime(60_000);
    expect(peer).toMatchObject({ pings: 0, expired: [] });
  });

  it('stops when the ping closed the connection', () => {
    const peer = actions();
    const heartbeat = new Heartbeat(OPTIONS, peer);
    peer.heartbeatPing = () => heartbeat.stop();
    heartbeat.start();
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one timer per connection', () => {
    const heartbeat = new Heartbeat(OPTIONS, actions());
    heartbeat.startConnectTimer();
    expect(vi.getTimerCount()).toBe(1);
    heartbeat.start();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(1);
  });
});

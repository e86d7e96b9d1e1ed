import { describe, expect, it } from 'vitest';
import { boardStatus } from './status.js';

describe('the board status', () => {
  it('is connecting until the first snapshot of a subscribed board with a live feed', () => {
    expect(boardStatus({ subscribed: false, loaded: false, feed: 'live', wasLive: false })).toBe('connecting');
    expect(boardStatus({ subscribed: true, loaded: false, feed: 'live', wasLive: false })).toBe('connecting');
    expect(boardStatus({ subscribed: true, loaded: true, feed: 'live', wasLive: true })).toBe('live');
  });

  it('is reconnecting after that, while the subscription is down or the feed lost Postgres', () => {
    expect(boardStatus({ subscribed: false, loaded: true, feed: 'live', wasLive: true })).toBe('reconnecting');
    expect(boardStatus({ subscribed: true, loaded: true, feed: 'reconnecting', wasLive: true })).toBe('reconnecting');
  });
});

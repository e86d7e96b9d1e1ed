import { ServerError, TimeoutError } from '@relais/client';
import { describe, expect, it } from 'vitest';
import { errorText, newNonce, normalizeRoomName, statusAnnouncement, statusText } from './format.js';

describe('statusText', () => {
  it('names the state, with the countdown to the next retry', () => {
    expect(statusText({ state: 'connected' }, 0, true)).toBe('connected');
    expect(statusText({ state: 'connecting' }, 0, false)).toBe('connecting…');
    expect(statusText({ state: 'connecting' }, 0, true)).toBe('connecting · reconnecting…');
    expect(statusText({ state: 'disconnected', nextRetryAt: 10_400 }, 8_000, true)).toBe('disconnected · reconnecting in 3 s');
    expect(statusText({ state: 'disconnected', nextRetryAt: 1_000 }, 8_000, true)).toBe('disconnected · reconnecting in 0 s');
    expect(statusText({ state: 'disconnected', reason: 'connection refused' }, 0, false)).toBe('disconnected · connection refused');
    expect(statusText({ state: 'closed' }, 0, true)).toBe('closed');
  });

  it('announces a retry without the ticking countdown', () => {
    expect(statusAnnouncement({ state: 'disconnected', nextRetryAt: 5_000 }, true)).toBe('disconnected · reconnecting');
    expect(statusAnnouncement({ state: 'connected' }, true)).toBe('connected');
  });
});

describe('normalizeRoomName', () => {
  it('turns what people type into a room name', () => {
    expect(normalizeRoomName('  Tea Room ')).toBe('tea-room');
    expect(normalizeRoomName('Café & Crème!')).toBe('cafe-creme');
    expect(normalizeRoomName('--x')).toBe('x');
    expect(normalizeRoomName('a'.repeat(40))).toHaveLength(32);
  });
});

describe('errorText', () => {
  it('says a rate limit is a rate limit, with the server reason', () => {
    const error = new ServerError({ code: 111, message: 'too many messages: wait 2 s before sending again', temporary: true });
    expect(errorText(error)).toBe('Rate limited: too many messages: wait 2 s before sending again.');
  });

  it('explains rejected and timed-out messages', () => {
    expect(errorText(new ServerError({ code: 106, message: 'message is longer than 500 characters', temporary: false }))).toBe(
      'Too long: message is longer than 500 characters.',
    );
    expect(errorText(new ServerError({ code: 107, message: 'message is empty', temporary: false }))).toBe('Rejected: message is empty.');
    expect(errorText(new TimeoutError('publish', 1000))).toBe('Not sent: no answer from the server in time.');
  });
});

describe('newNonce', () => {
  it('makes distinct ids the server accepts', () => {
    const a = newNonce();
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(newNonce()).not.toBe(a);
  });
});

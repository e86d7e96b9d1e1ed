import { describe, expect, it } from 'vitest';
import {
  APP_ERROR_CODE_MAX,
  APP_ERROR_CODE_MIN,
  DISCONNECT_CODES,
  DISCONNECT_REASONS,
  ERROR_CODES,
  ERROR_MESSAGES,
  TEMPORARY_ERROR_CODES,
  isDisconnectCode,
  shouldReconnect,
} from './codes.js';

describe('shouldReconnect', () => {
  it.each([
    [1000, true],
    [1001, true],
    [1006, true],
    [1009, true],
    [2999, true],
    [3000, true],
    [3499, true],
    [3500, false],
    [3501, false],
    [3999, false],
    [4000, true],
    [4499, true],
    [4500, false],
    [4999, false],
    [5000, true],
  ])('answers %i with %s', (code, expected) => {
    expect(shouldReconnect(code)).toBe(expected);
  });

  it('reconnects after every relais code below 3500 and after none from 3500', () => {
    for (const code of Object.values(DISCONNECT_CODES)) {
      expect(shouldReconnect(code), `code ${code}`).toBe(code < 3500);
    }
  });
});

describe('isDisconnectCode', () => {
  it.each([
    [2999, false],
    [3000, true],
    [3501, true],
    [4999, true],
    [5000, false],
    [3000.5, false],
    [Number.NaN, false],
  ])('answers %s with %s', (code, expected) => {
    expect(isDisconnectCode(code)).toBe(expected);
  });
});

describe('ERROR_CODES', () => {
  it('keeps the v1 numbering', () => {
    expect(ERROR_CODES).toEqual({
      INTERNAL: 100,
      UNAUTHORIZED: 101,
      UNKNOWN_CHANNEL: 102,
      PERMISSION_DENIED: 103,
      METHOD_NOT_FOUND: 104,
      ALREADY_SUBSCRIBED: 105,
      LIMIT_EXCEEDED: 106,
      BAD_REQUEST: 107,
      NOT_AVAILABLE: 108,
      TOKEN_EXPIRED: 109,
      TOO_MANY_REQUESTS: 111,
      UNRECOVERABLE_POSITION: 112,
      NOT_SUBSCRIBED: 113,
      TIMEOUT: 114,
      ENGINE_UNAVAILABLE: 115,
    });
  });

  it('gives every code a default message and stays below the application range', () => {
    for (const code of Object.values(ERROR_CODES)) {
      expect(ERROR_MESSAGES[code], `code ${code}`).toMatch(/^[a-z ;]+$/);
      expect(code).toBeLessThan(APP_ERROR_CODE_MIN);
    }
    expect(Object.keys(ERROR_MESSAGES).map(Number)).toEqual(Object.values(ERROR_CODES));
  });

  it('marks internal, too many requests and timeout as temporary, and nothing else', () => {
    expect([...TEMPORARY_ERROR_CODES].sort()).toEqual([100, 111, 114, 115]);
  });

  it('leaves 400 to 1999 to applications', () => {
    expect([APP_ERROR_CODE_MIN, APP_ERROR_CODE_MAX]).toEqual([400, 1999]);
  });
});

describe('DISCONNECT_CODES', () => {
  it('keeps the v1 numbering', () => {
    expect(DISCONNECT_CODES).toEqual({
      SHUTDOWN: 3001,
      SERVER_ERROR: 3004,
      EXPIRED: 3005,
      CONNECTION_LIMIT: 3006,
      SLOW: 3008,
      WRITE_ERROR: 3009,
      INSUFFICIENT_STATE: 3010,
      FORCE_RECONNECT: 3011,
      NO_PONG: 3012,
      FLOOD: 3013,
      CONNECT_TIMEOUT: 3014,
      INVALID_TOKEN: 3500,
      BAD_REQUEST: 3501,
      FORCE_DISCONNECT: 3503,
      CONNECTION_REFUSED: 3505,
      UNSUPPORTED_PROTOCOL: 3506,
    });
  });

  it('gives every code a reason that fits in a WebSocket close frame', () => {
    for (const code of Object.values(DISCONNECT_CODES)) {
      const reason = DISCONNECT_REASONS[code];
      expect(reason, `code ${code}`).toMatch(/^[a-z ]+$/);
      // RFC 6455 5.5: a control frame payload is at most 125 bytes, 2 of them for the code.
      expect(new TextEncoder().encode(reason).byteLength).toBeLessThanOrEqual(123);
      expect(isDisconnectCode(code)).toBe(true);
    }
    expect(Object.keys(DISCONNECT_REASONS).map(Number)).toEqual(Object.values(DISCONNECT_CODES));
  });
});

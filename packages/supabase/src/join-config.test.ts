import { describe, expect, it } from 'vitest';
import { parseJoinPayload } from './join-config.js';

describe('parseJoinPayload', () => {
  it('reads the config realtime-js sends', () => {
    expect(
      parseJoinPayload({
        config: {
          broadcast: { ack: true, self: false },
          presence: { key: 'alice', enabled: true },
          postgres_changes: [{ event: '*', schema: 'public', table: 'humeur' }],
          private: false,
        },
        access_token: 'tok',
      }),
    ).toEqual({
      broadcastSelf: false,
      broadcastAck: true,
      presenceKey: 'alice',
      presenceEnabled: true,
      private: false,
      postgresChanges: [{ event: '*', schema: 'public', table: 'humeur' }],
      accessToken: 'tok',
    });
  });

  it('defaults everything when there is no config', () => {
    expect(parseJoinPayload({})).toMatchObject({
      broadcastSelf: false,
      broadcastAck: false,
      presenceKey: '',
      private: false,
      postgresChanges: [],
    });
  });

  it.each([
    [{ config: 'x' }, 'config must be an object'],
    [{ config: { broadcast: { self: 'yes' } } }, 'config.broadcast.self must be a boolean'],
    [{ config: { presence: { key: 3 } } }, 'config.presence.key must be a string'],
    [{ config: { private: 1 } }, 'config.private must be a boolean'],
    [{ config: { postgres_changes: {} } }, 'config.postgres_changes must be an array'],
    [
      { config: { postgres_changes: [{ event: 'TRUNCATE' }] } },
      'config.postgres_changes[0].event must be one of *, INSERT, UPDATE, DELETE',
    ],
    [{ config: { postgres_changes: [{ event: '*', table: 5 }] } }, 'config.postgres_changes[0].table must be a string'],
    [{ access_token: 12 }, 'access_token must be a string'],
    [
      { config: { postgres_changes: Array.from({ length: 101 }, () => ({ event: '*', table: 't' })) } },
      'config.postgres_changes must hold at most 100 entries',
    ],
  ])('refuses %j', (payload, message) => {
    expect(() => parseJoinPayload(payload as Record<string, unknown>)).toThrow(message);
  });
});

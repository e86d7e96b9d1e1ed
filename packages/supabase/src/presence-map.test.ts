import { describe, expect, it } from 'vitest';
import { LISTENER_INFO, memberInfo, presenceDiff, presenceState } from './presence-map.js';

describe('presence-map', () => {
  it('groups tracked presences by key, one meta per connection with its phx_ref', () => {
    const state = presenceState({
      a: { client: 'a', user: 'u1', info: memberInfo('alice', { online_at: 1 }) },
      b: { client: 'b', user: 'u1', info: memberInfo('alice', { online_at: 2 }) },
      c: { client: 'c', user: '', info: LISTENER_INFO },
    });
    expect(state).toEqual({
      alice: {
        metas: [
          { online_at: 1, phx_ref: 'a' },
          { online_at: 2, phx_ref: 'b' },
        ],
      },
    });
  });

  it('shows native connections under their user id, or their client id when anonymous', () => {
    expect(
      presenceState({
        n1: { client: 'n1', user: '42', info: { name: 'Ada' } },
        n2: { client: 'n2', user: '' },
        n3: { client: 'n3', user: '', info: 'plain' },
      }),
    ).toEqual({
      '42': { metas: [{ name: 'Ada', user: '42', phx_ref: 'n1' }] },
      n2: { metas: [{ phx_ref: 'n2' }] },
      n3: { metas: [{ info: 'plain', phx_ref: 'n3' }] },
    });
  });

  it('a tracked meta cannot forge its phx_ref', () => {
    expect(presenceState({ a: { client: 'a', user: '', info: memberInfo('k', { phx_ref: 'forged' }) } })).toEqual({
      k: { metas: [{ phx_ref: 'a' }] },
    });
  });

  it('turns joins and leaves into presence_diff, and ignores listeners', () => {
    const entry = { client: 'a', user: '', info: memberInfo('k', { x: 1 }) };
    expect(presenceDiff('join', entry)).toEqual({ joins: { k: { metas: [{ x: 1, phx_ref: 'a' }] } }, leaves: {} });
    expect(presenceDiff('leave', entry)).toEqual({ joins: {}, leaves: { k: { metas: [{ x: 1, phx_ref: 'a' }] } } });
    expect(presenceDiff('join', { client: 'l', user: '', info: LISTENER_INFO })).toBeUndefined();
  });
});

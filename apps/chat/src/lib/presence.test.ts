import { describe, expect, it } from 'vitest';
import { onlineNames } from './presence.js';

describe('onlineNames', () => {
  it('lists distinct display names, sorted, skipping connections without one', () => {
    const clients = {
      c1: { client: 'c1', user: '', info: { name: 'Bob' } },
      c2: { client: 'c2', user: '', info: { name: 'Ada' } },
      c3: { client: 'c3', user: '', info: { name: 'Bob' } }, // a second tab
      c4: { client: 'c4', user: '' },
      c5: { client: 'c5', user: '', info: { name: 42 } },
    };
    expect(onlineNames(clients)).toEqual(['Ada', 'Bob']);
    expect(onlineNames({})).toEqual([]);
  });
});

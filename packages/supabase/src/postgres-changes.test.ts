import { describe, expect, it } from 'vitest';
import { disabledPostgresChanges, POSTGRES_CHANGES_DISABLED } from './postgres-changes.js';

describe('disabledPostgresChanges', () => {
  it('gives each binding an id and answers with one system error', () => {
    expect(
      disabledPostgresChanges.join([
        { event: '*', schema: 'public', table: 'humeur' },
        { event: 'INSERT', table: 't', filter: 'id=eq.1' },
      ]),
    ).toEqual({
      bindings: [
        { event: '*', schema: 'public', table: 'humeur', id: 1 },
        { event: 'INSERT', table: 't', filter: 'id=eq.1', id: 2 },
      ],
      system: [{ status: 'error', extension: 'postgres_changes', message: POSTGRES_CHANGES_DISABLED }],
    });
  });

  it('says nothing to a join without bindings', () => {
    expect(disabledPostgresChanges.join([])).toEqual({ bindings: [], system: [] });
  });
});

import { describe, expect, it } from 'vitest';
import {
  disabledPostgresChanges,
  feedPostgresChanges,
  POSTGRES_CHANGES_DISABLED,
  POSTGRES_CHANGES_SUBSCRIBED,
  supabaseChange,
  type ChangeChannels,
} from './postgres-changes.js';

const never = (): Promise<void> => Promise.reject(new Error('no subscribe expected'));

describe('disabledPostgresChanges', () => {
  it('gives each binding an id and answers with one system error', async () => {
    const join = await disabledPostgresChanges.join(
      [
        { event: '*', schema: 'public', table: 'humeur' },
        { event: 'INSERT', table: 't', filter: 'id=eq.1' },
      ],
      never,
    );
    expect(join.bindings).toEqual([
      { event: '*', schema: 'public', table: 'humeur', id: 1 },
      { event: 'INSERT', table: 't', filter: 'id=eq.1', id: 2 },
    ]);
    expect(join.system).toEqual([{ status: 'error', extension: 'postgres_changes', message: POSTGRES_CHANGES_DISABLED }]);
    expect(join.channels.size).toBe(0);
  });

  it('says nothing to a join without bindings', async () => {
    const join = await disabledPostgresChanges.join([], never);
    expect(join.bindings).toEqual([]);
    expect(join.system).toEqual([]);
  });
});

/** A fake feed naming channels like @relais/postgres, refusing filters without `=`. */
const feed: ChangeChannels = {
  channelFor({ schema = 'public', table, event, filter }) {
    if (filter !== undefined && !filter.includes('=')) throw new Error(`filter ${filter} is not column=op.value`);
    return `pg:${schema}.${table}${event === '*' && !filter ? '' : `:${event.toUpperCase()}`}${filter ? `:${filter}` : ''}`;
  },
};

describe('feedPostgresChanges', () => {
  it('subscribes each binding to its channel, shares a channel, and says subscribed', async () => {
    const subscribed: string[] = [];
    const join = await feedPostgresChanges(feed).join(
      [
        { event: '*', schema: 'public', table: 'humeur' },
        { event: 'INSERT', schema: 'public', table: 'humeur', filter: 'id=eq.1' },
        { event: '*', table: 'humeur' },
      ],
      (channel) => {
        subscribed.push(channel);
        return Promise.resolve();
      },
    );
    expect(subscribed.sort()).toEqual(['pg:public.humeur', 'pg:public.humeur:INSERT:id=eq.1']);
    expect(join.bindings.map((binding) => binding.id)).toEqual([1, 2, 3]);
    expect(join.system).toEqual([{ status: 'ok', extension: 'postgres_changes', message: POSTGRES_CHANGES_SUBSCRIBED }]);
    const change = { schema: 'public', table: 'humeur', event: 'INSERT', commitTimestamp: '2026-01-01T00:00:00.000000Z', new: { id: 1 } };
    expect(join.event('pg:public.humeur', change)).toEqual({
      ids: [1, 3],
      data: {
        schema: 'public',
        table: 'humeur',
        commit_timestamp: '2026-01-01T00:00:00.000000Z',
        type: 'INSERT',
        columns: [],
        record: { id: 1 },
        errors: null,
      },
    });
    expect(join.event('pg:public.humeur:INSERT:id=eq.1', change)?.ids).toEqual([2]);
    expect(join.event('pg:public.other', change)).toBeUndefined();
    expect(join.notice!('pg:public.humeur', change)).toBeUndefined();
    expect(join.notice!('pg:public.humeur', { schema: 'public', table: 'humeur', event: 'RESET', reason: 'slot invalidated' })).toEqual({
      status: 'error',
      extension: 'postgres_changes',
      message: 'changes of public.humeur may have been lost (slot invalidated): reload the rows',
    });
  });

  it('names every binding it could not subscribe, in order, with the reason', async () => {
    const join = await feedPostgresChanges(feed).join(
      [
        { event: '*', table: 'missing' },
        { event: '*', table: 'humeur', filter: 'bad' },
        { event: '*', schema: 'public' },
        { event: 'UPDATE', table: 'humeur' },
      ],
      (channel) =>
        channel === 'pg:public.missing' ? Promise.reject(new Error('table public.missing is not streamed')) : Promise.resolve(),
    );
    expect(join.system).toHaveLength(1);
    expect(join.system[0]!.status).toBe('error');
    expect(join.system[0]!.message).toBe(
      'Unable to subscribe to changes with given parameters: ' +
        '[event: *, schema: public, table: missing]: table public.missing is not streamed; ' +
        '[event: *, schema: public, table: humeur, filter: bad]: filter bad is not column=op.value; ' +
        '[event: *, schema: public, table: *]: postgres_changes needs a table (all tables of a schema are not served)',
    );
    expect([...join.channels]).toEqual(['pg:public.humeur:UPDATE']);
    expect(join.bindings).toHaveLength(4);
  });
});

describe('supabaseChange', () => {
  it('carries old records for UPDATE and DELETE and skips what is not a row change', () => {
    const base = { schema: 'public', table: 't', commitTimestamp: 'ts' };
    expect(supabaseChange({ ...base, event: 'UPDATE', new: { id: 1, n: 2 }, old: { id: 1, n: 1 } })).toMatchObject({
      type: 'UPDATE',
      record: { id: 1, n: 2 },
      old_record: { id: 1, n: 1 },
    });
    const deleted = supabaseChange({ ...base, event: 'DELETE', old: { id: 1 } });
    expect(deleted).toMatchObject({ type: 'DELETE', old_record: { id: 1 } });
    expect(deleted).not.toHaveProperty('record');
    expect(supabaseChange({ ...base, event: 'UPDATE', new: { id: 1 } })?.old_record).toEqual({});
    expect(supabaseChange({ ...base, event: 'RESET', reason: 'slot lost' })).toBeUndefined();
    expect(supabaseChange({ event: 'STATUS', status: 'live' })).toBeUndefined();
    expect(supabaseChange('text')).toBeUndefined();
  });
});

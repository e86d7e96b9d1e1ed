import { describe, expect, it } from 'vitest';
import { changesChannel } from './channel.js';
import { InvalidOptionsError } from '../errors.js';

describe('changesChannel', () => {
  it('writes the canonical channel of a table, an event and a filter', () => {
    expect(changesChannel({ table: 'todos' })).toBe('pg:public.todos');
    expect(changesChannel({ schema: 'app', table: 'todos', event: 'DELETE' })).toBe('pg:app.todos:DELETE');
    expect(changesChannel({ table: 'todos', filter: { column: 'done', op: 'eq', value: false } })).toBe('pg:public.todos:*:done=eq.false');
    expect(changesChannel({ table: 't', event: 'UPDATE', filter: { column: 'id', op: 'in', value: [1, 2] } })).toBe(
      'pg:public.t:UPDATE:id=in.(1,2)',
    );
    expect(changesChannel({ table: 't', filter: { column: 's', op: 'in', value: ['a"b', ' c', ''] } })).toBe(
      'pg:public.t:*:s=in.("a\\"b"," c","")',
    );
    expect(changesChannel({ table: 't', filter: 'id=gte.3', namespace: 'db' })).toBe('db:public.t:*:id=gte.3');
    expect(changesChannel({ table: 't', filter: [{ column: 'owner', op: 'eq', value: 'a&b' }, 'done=eq.false', 'done=eq.false'] })).toBe(
      'pg:public.t:*:done=eq.false&owner=eq."a&b"',
    );
    expect(changesChannel({ table: 't', filter: { column: 's', op: 'in', value: ['x&y'] } })).toBe('pg:public.t:*:s=in.("x&y")');
  });

  it('throws InvalidOptionsError on what no channel can say', () => {
    expect(() => changesChannel({ table: 't', filter: { column: '', op: 'eq', value: 1 } })).toThrow(InvalidOptionsError);
    expect(() => changesChannel({ table: 't', filter: { column: 'id', op: 'eq', value: [1] } })).toThrow(/must be one value/);
    expect(() => changesChannel({ table: 't', filter: { column: 'id', op: 'in', value: [] } })).toThrow(/at least one value/);
    expect(() => changesChannel({ schema: '', table: 't' })).toThrow(/schema/);
    expect(() => changesChannel({ table: 't', filter: [] })).toThrow(/empty list/);
  });
});

import { describe, expect, it } from 'vitest';
import { changeChannel, parseChangeChannel } from './channels.js';

describe('change channels', () => {
  it('names a subscription canonically, leaving defaults out at the end', () => {
    expect(changeChannel('pg', { schema: 'public', table: 'todos', event: '*' })).toBe('pg:public.todos');
    expect(changeChannel('pg', { schema: 'public', table: 'todos', event: 'INSERT' })).toBe('pg:public.todos:INSERT');
    expect(changeChannel('pg', { schema: 'app', table: 't', event: '*', filters: [{ column: 'id', op: 'in', value: ['1', '2'] }] })).toBe(
      'pg:app.t:*:id=in.(1,2)',
    );
  });

  it('joins several filters by & in sorted order, quoting values that hold &', () => {
    const spec = parseChangeChannel('pg', 'pg:public.t:*:a=eq."x&y"&b=in.(1,"2&3")');
    expect(spec.filters).toEqual([
      { column: 'a', op: 'eq', value: 'x&y' },
      { column: 'b', op: 'in', value: ['1', '2&3'] },
    ]);
    expect(changeChannel('pg', { ...spec, filters: [...spec.filters!].reverse() })).toBe('pg:public.t:*:a=eq."x&y"&b=in.(1,"2&3")');
  });

  it('parses what it names', () => {
    for (const channel of ['pg:public.todos', 'pg:public.todos:DELETE', 'pg:public.todos:UPDATE:at=gt.2024-01-01T00:00:00Z']) {
      expect(changeChannel('pg', parseChangeChannel('pg', channel))).toBe(channel);
    }
    expect(parseChangeChannel('pg', 'pg:public.todos:*:status=eq.done')).toEqual({
      schema: 'public',
      table: 'todos',
      event: '*',
      filters: [{ column: 'status', op: 'eq', value: 'done' }],
    });
  });

  it('refuses names that are not change channels, or not canonical', () => {
    expect(() => parseChangeChannel('pg', 'chat:x')).toThrow(/not a change channel/);
    expect(() => parseChangeChannel('pg', 'pg:todos')).toThrow(/expected pg:<schema>.<table>/);
    expect(() => parseChangeChannel('pg', 'pg:a.b.c')).toThrow(/expected/);
    expect(() => parseChangeChannel('pg', 'pg:public.todos:insert')).toThrow(/event "insert" is not INSERT/);
    expect(() => parseChangeChannel('pg', 'pg:public.todos:*')).toThrow(/not canonical: subscribe to pg:public.todos$/);
    expect(() => parseChangeChannel('pg', 'pg:public.todos:INSERT:id=eq')).toThrow(/not column=op.value/);
    expect(() => parseChangeChannel('pg', 'pg:public.t:*:b=eq.1&a=eq.2')).toThrow(
      /not canonical: subscribe to pg:public.t:\*:a=eq.2&b=eq.1/,
    );
    expect(() => parseChangeChannel('pg', 'pg:public.t:*:a=eq.1&a=eq.1')).toThrow(/subscribe to pg:public.t:\*:a=eq.1$/);
  });
});

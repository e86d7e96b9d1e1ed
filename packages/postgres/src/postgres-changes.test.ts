import { createRelais } from '@relais/server';
import { afterEach, describe, expect, it } from 'vitest';
import { FilterError } from './filter.js';
import { PostgresChanges } from './postgres-changes.js';

describe('PostgresChanges.channelFor', () => {
  const relais = createRelais();
  afterEach(async () => {
    await relais.close();
  });
  // Nothing connects before start(): the URL is never dialled.
  const changes = new PostgresChanges(relais, { url: 'postgres://127.0.0.1:1/none', tables: ['todos'], namespace: 'changes' });

  it('names the canonical channel of a table, an event in any case and filters', () => {
    expect(changes.channelFor({ table: 'todos', event: '*' })).toBe('changes:public.todos');
    expect(changes.channelFor({ schema: 'app', table: 'todos', event: 'insert' })).toBe('changes:app.todos:INSERT');
    expect(changes.channelFor({ schema: '', table: 'todos', event: 'UPDATE', filter: 'id=eq.7' })).toBe(
      'changes:public.todos:UPDATE:id=eq.7',
    );
    expect(changes.channelFor({ table: 'todos', event: '*', filter: 'owner=eq.2&done=eq.false' })).toBe(
      'changes:public.todos:*:done=eq.false&owner=eq.2',
    );
  });

  it('throws a FilterError for another event or a malformed filter', () => {
    expect(() => changes.channelFor({ table: 'todos', event: 'TRUNCATE' })).toThrow(
      new FilterError('event "TRUNCATE" is not INSERT, UPDATE, DELETE or *'),
    );
    expect(() => changes.channelFor({ table: 'todos', event: '*', filter: 'id=like.7' })).toThrow(FilterError);
    expect(() => changes.channelFor({ table: 'todos', event: '*', filter: 'id' })).toThrow(/is not column=op.value/);
  });
});

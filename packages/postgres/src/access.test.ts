import type { ClientDetails } from '@relais/server';
import { describe, expect, it } from 'vitest';
import { AccessError, authorize, boundRowFilter, checkTableAccess, type TableAccess } from './access.js';
import { parseChangeChannel } from './channels.js';
import { PostgresFeedError } from './errors.js';

const client = (user: string, claims?: Record<string, unknown>) => ({ client: 'c1', user, claims }) as unknown as ClientDetails;
const spec = (channel: string) => parseChangeChannel('pg', channel);

describe('table access', () => {
  it('lets everyone subscribe by default, and only users with authenticated', () => {
    expect(() => authorize({ table: 't' }, client(''), spec('pg:public.t'))).not.toThrow();
    expect(() => authorize({ table: 't', subscribe: 'authenticated' }, client(''), spec('pg:public.t'))).toThrow(AccessError);
    expect(() => authorize({ table: 't', subscribe: 'authenticated' }, client('ann'), spec('pg:public.t'))).not.toThrow();
  });

  it('checks a claim, as a value or in a list', () => {
    const rule: TableAccess = { table: 't', subscribe: { claim: 'roles', equals: 'admin' } };
    expect(() => authorize(rule, client('a', { roles: ['user', 'admin'] }), spec('pg:public.t'))).not.toThrow();
    expect(() => authorize(rule, client('a', { roles: 'admin' }), spec('pg:public.t'))).not.toThrow();
    expect(() => authorize(rule, client('a', { roles: ['user'] }), spec('pg:public.t'))).toThrow('needs the claim roles = admin');
  });

  it('binds a row rule to the claims and requires it as the filter', () => {
    const rule: TableAccess = { table: 't', rowFilter: 'team=in.({team},0)' };
    expect(boundRowFilter(rule, client('a', { team: 7 }))).toEqual({ column: 'team', op: 'in', value: ['7', '0'] });
    expect(() => authorize(rule, client('a', { team: 7 }), spec('pg:public.t:*:team=in.(7,0)'))).not.toThrow();
    expect(() => authorize(rule, client('a', { team: 7 }), spec('pg:public.t:INSERT:team=in.(8,0)'))).toThrow(
      'must have the filter team=in.(7,0)',
    );
    expect(() => authorize(rule, client('a'), spec('pg:public.t'))).toThrow('needs the claim team');
    // Filters of the subscriber's own may come with the row rule.
    expect(() => authorize(rule, client('a', { team: 7 }), spec('pg:public.t:*:done=eq.false&team=in.(7,0)'))).not.toThrow();
    expect(() => authorize({ table: 't', rowFilter: 'owner=eq.{sub}' }, client(''), spec('pg:public.t:*:owner=eq.'))).toThrow(
      'needs the claim sub',
    );
  });

  it('checks the rules themselves at startup', () => {
    expect(() => checkTableAccess({ table: 't', subscribe: 'admins' as never })).toThrow(PostgresFeedError);
    expect(() => checkTableAccess({ table: 't', rowFilter: 'owner' })).toThrow(/rowFilter: filter "owner" is not column=op.value/);
    expect(() => checkTableAccess({ table: 't', hiddenColumns: 'x' as never })).toThrow(/hiddenColumns/);
  });
});

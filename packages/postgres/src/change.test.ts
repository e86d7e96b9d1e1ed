import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChangeDecoder, type ChangeBody } from './change.js';
import { decodePgoutput } from './decode/pgoutput.js';

const fixtures = JSON.parse(readFileSync(new URL('./decode/fixtures.json', import.meta.url), 'utf8')) as { messages: string[] };

function decodeAll(decoder = new ChangeDecoder()): ChangeBody[] {
  return fixtures.messages.flatMap((hex) => decoder.decode(decodePgoutput(Buffer.from(hex, 'hex'))));
}

describe('ChangeDecoder', () => {
  const changes = decodeAll();

  it('types every column of an inserted row', () => {
    const insert = changes[0]!;
    expect(insert.event).toBe('INSERT');
    expect({ ...insert.new, blob: undefined }).toEqual({
      id: 1,
      big: '9007199254740993',
      num: '12345678901234567890.125',
      flag: true,
      label: "it's",
      uid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      doc: { a: [1, 2], b: null },
      at: '2024-01-02T03:04:05.123456Z',
      tags: ['a b', 'c,d', null],
      nums: [1, 2, 3],
      blob: undefined,
    });
  });

  it('leaves an unchanged TOAST column out of new and names it in unchanged', () => {
    const update = changes[1]!;
    expect(update.event).toBe('UPDATE');
    expect(update.new).not.toHaveProperty('blob');
    expect(update.new).toMatchObject({ id: 1, label: 'changed' });
    expect(update.unchanged).toEqual(['blob']);
    expect(update.old).toBeUndefined();
  });

  it('gives a delete without REPLICA IDENTITY FULL only its key columns', () => {
    expect(changes[2]).toEqual({ schema: 'public', table: 'capture_t', event: 'DELETE', old: { id: 1 } });
  });

  it('gives old rows in full with REPLICA IDENTITY FULL', () => {
    expect(changes.slice(3, 6)).toEqual([
      { schema: 'public', table: 'capture_full', event: 'INSERT', new: { id: 7, label: 'seven' } },
      { schema: 'public', table: 'capture_full', event: 'UPDATE', new: { id: 7, label: 'SEVEN' }, old: { id: 7, label: 'seven' } },
      { schema: 'public', table: 'capture_full', event: 'DELETE', old: { id: 7, label: 'SEVEN' } },
    ]);
  });

  it('maps a truncate to one TRUNCATE change per table, and messages to none', () => {
    expect(changes.slice(6)).toEqual([{ schema: 'public', table: 'capture_full', event: 'TRUNCATE' }]);
  });

  it('fills an unchanged TOAST value from a full old row', () => {
    const decoder = new ChangeDecoder();
    decoder.decode({
      tag: 'relation',
      relationOid: 1,
      schema: 's',
      table: 't',
      replicaIdentity: 'f',
      columns: [
        { name: 'id', typeOid: 23, typeMod: -1, isKey: true },
        { name: 'doc', typeOid: 25, typeMod: -1, isKey: true },
      ],
    });
    const [change] = decoder.decode({ tag: 'update', relationOid: 1, oldKind: 'O', old: ['1', 'big'], new: ['1', { unchanged: true }] });
    expect(change).toEqual({ schema: 's', table: 't', event: 'UPDATE', new: { id: 1, doc: 'big' }, old: { id: 1, doc: 'big' } });
  });

  it('types int8 as numbers by option', () => {
    expect(decodeAll(new ChangeDecoder({ bigint: 'number' }))[0]!.new!.big).toBe(9007199254740992);
  });

  it('throws on a change for a relation the stream never described', () => {
    expect(() => new ChangeDecoder().decode({ tag: 'insert', relationOid: 5, new: [] })).toThrow(/relation 5 before its Relation message/);
  });
});

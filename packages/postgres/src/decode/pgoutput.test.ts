import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodePgoutput, PgoutputError, pgTimeToIso, type PgoutputMessage } from './pgoutput.js';

// Messages captured from PostgreSQL 15 by scripts/capture-fixtures.mjs (statements listed there).
const fixtures = JSON.parse(readFileSync(new URL('./fixtures.json', import.meta.url), 'utf8')) as { messages: string[] };
const messages: PgoutputMessage[] = fixtures.messages.map((hex) => decodePgoutput(Buffer.from(hex, 'hex')));
const byTag = <T extends PgoutputMessage['tag']>(tag: T): Extract<PgoutputMessage, { tag: T }>[] =>
  messages.filter((m): m is Extract<PgoutputMessage, { tag: T }> => m.tag === tag);

describe('decodePgoutput', () => {
  it('decodes every captured message, each transaction framed by begin and commit', () => {
    expect(messages.map((m) => m.tag)).toEqual([
      ...['begin', 'relation', 'insert', 'commit'],
      ...['begin', 'update', 'commit'],
      ...['begin', 'delete', 'commit'],
      ...['begin', 'relation', 'insert', 'commit'],
      ...['begin', 'update', 'commit'],
      ...['begin', 'delete', 'commit'],
      ...['begin', 'message', 'commit'],
      ...['begin', 'relation', 'truncate', 'commit'],
    ]);
  });

  it('reads begin and commit positions consistently', () => {
    const begins = byTag('begin');
    const commits = byTag('commit');
    expect(begins).toHaveLength(8);
    begins.forEach((begin, i) => {
      expect(begin.finalLsn).toBe(commits[i]!.commitLsn);
      expect(commits[i]!.endLsn).toBeGreaterThan(commits[i]!.commitLsn);
      expect(begin.commitTime).toBe(commits[i]!.commitTime);
      expect(begin.commitTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    });
    expect(begins[1]!.finalLsn).toBeGreaterThan(begins[0]!.finalLsn);
  });

  it('reads a relation with its columns, types and replica identity', () => {
    const [plain, full] = byTag('relation');
    expect(plain).toMatchObject({ schema: 'public', table: 'capture_t', replicaIdentity: 'd' });
    expect(plain!.columns.map((c) => [c.name, c.typeOid, c.isKey])).toEqual([
      ['id', 23, true],
      ['big', 20, false],
      ['num', 1700, false],
      ['flag', 16, false],
      ['label', 25, false],
      ['uid', 2950, false],
      ['doc', 3802, false],
      ['at', 1184, false],
      ['tags', 1009, false],
      ['nums', 1007, false],
      ['blob', 25, false],
    ]);
    expect(full).toMatchObject({ table: 'capture_full', replicaIdentity: 'f' });
  });

  it('reads tuple values as text, with null and unchanged TOAST markers', () => {
    const [insert] = byTag('insert');
    expect(insert!.new.slice(0, 10)).toEqual([
      '1',
      '9007199254740993',
      '12345678901234567890.125',
      't',
      "it's",
      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '{"a": [1, 2], "b": null}',
      '2024-01-02 03:04:05.123456+00',
      '{"a b","c,d",NULL}',
      '{1,2,3}',
    ]);
    expect(insert!.new[10]).toHaveLength(6400);
    const [update, fullUpdate] = byTag('update');
    expect(update!.old).toBeUndefined();
    expect(update!.new[4]).toBe('changed');
    expect(update!.new[10]).toEqual({ unchanged: true });
    expect(fullUpdate).toMatchObject({ oldKind: 'O', old: ['7', 'seven'], new: ['7', 'SEVEN'] });
  });

  it('reads the key of a delete, or the whole old row with REPLICA IDENTITY FULL', () => {
    const [keyed, full] = byTag('delete');
    expect(keyed!.oldKind).toBe('K');
    expect(keyed!.old[0]).toBe('1');
    expect(keyed!.old.slice(1).every((v) => v === null)).toBe(true);
    expect(full).toMatchObject({ oldKind: 'O', old: ['7', 'SEVEN'] });
  });

  it('reads a transactional message and a truncate', () => {
    const [message] = byTag('message');
    expect(message).toMatchObject({ transactional: true, prefix: 'relais' });
    expect(JSON.parse(message!.content.toString())).toEqual({ channel: 'chat:x', data: 1 });
    const [truncate] = byTag('truncate');
    expect(truncate).toMatchObject({ cascade: false, restartIdentity: false });
    expect(truncate!.relationOids).toEqual([byTag('relation')[1]!.relationOid]);
  });

  it('throws a PgoutputError on a truncated, padded, empty or unknown message', () => {
    const insert = Buffer.from(fixtures.messages[2]!, 'hex');
    expect(() => decodePgoutput(insert.subarray(0, insert.length - 3))).toThrow(PgoutputError);
    expect(() => decodePgoutput(Buffer.concat([insert, Buffer.from([0])]))).toThrow(/left over/);
    expect(() => decodePgoutput(Buffer.alloc(0))).toThrow(/empty/);
    expect(() => decodePgoutput(Buffer.from('Z'))).toThrow(/unknown pgoutput message "Z"/);
    // A tuple column of kind 'b' (binary mode) is refused rather than misread.
    const binary = Buffer.from(insert);
    binary[8] = 'b'.charCodeAt(0); // 'I', relation oid (4), 'N', column count (2), then the first column's kind
    expect(() => decodePgoutput(binary)).toThrow(/unknown kind "b"/);
  });
});

describe('pgTimeToIso', () => {
  it('turns microseconds since 2000-01-01 into ISO 8601 with microseconds', () => {
    expect(pgTimeToIso(0n)).toBe('2000-01-01T00:00:00.000000Z');
    expect(pgTimeToIso(757_479_845_123_456n)).toBe('2024-01-02T03:04:05.123456Z');
  });
});

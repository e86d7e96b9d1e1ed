/**
 * @module decode/pgoutput
 * Decodes the messages of the `pgoutput` logical decoding plugin (protocol version 1, with
 * `messages 'true'`): Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate and
 * Message. Column values stay text here (`values.ts` types them); the reader is bounds-checked and
 * throws a PgoutputError on a truncated or unknown message.
 * See https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
 */

/** Microseconds between the Unix epoch and Postgres' epoch (2000-01-01). */
const PG_EPOCH_US = 946_684_800_000_000n;

export class PgoutputError extends Error {
  override readonly name = 'PgoutputError';
}

/** One column of a tuple: null, an unchanged TOASTed value (not sent), or its text. */
export type TupleValue = null | { unchanged: true } | string;

export interface RelationColumn {
  name: string;
  typeOid: number;
  typeMod: number;
  /** Part of the replica identity (the key sent with UPDATE/DELETE). */
  isKey: boolean;
}

export interface RelationMessage {
  tag: 'relation';
  relationOid: number;
  schema: string;
  table: string;
  /** `d` default (primary key), `n` nothing, `f` full, `i` index. */
  replicaIdentity: 'd' | 'n' | 'f' | 'i';
  columns: RelationColumn[];
}

export type PgoutputMessage =
  | { tag: 'begin'; finalLsn: bigint; commitTime: string; xid: number }
  | { tag: 'commit'; flags: number; commitLsn: bigint; endLsn: bigint; commitTime: string }
  | { tag: 'origin'; originLsn: bigint; name: string }
  | RelationMessage
  | { tag: 'type'; typeOid: number; schema: string; name: string }
  | { tag: 'insert'; relationOid: number; new: TupleValue[] }
  /** `old` is the whole old row with REPLICA IDENTITY FULL (`kind` 'O'), the key columns otherwise ('K'). */
  | { tag: 'update'; relationOid: number; oldKind?: 'K' | 'O'; old?: TupleValue[]; new: TupleValue[] }
  | { tag: 'delete'; relationOid: number; oldKind: 'K' | 'O'; old: TupleValue[] }
  | { tag: 'truncate'; cascade: boolean; restartIdentity: boolean; relationOids: number[] }
  | { tag: 'message'; transactional: boolean; lsn: bigint; prefix: string; content: Buffer };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A bounds-checked cursor over one message. */
class Reader {
  #buf: Buffer;
  #at = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  #need(bytes: number): void {
    if (this.#at + bytes > this.#buf.length) {
      throw new PgoutputError(`pgoutput message truncated: needs ${bytes} bytes at ${this.#at}, has ${this.#buf.length}`);
    }
  }

  u8(): number {
    this.#need(1);
    return this.#buf.readUInt8(this.#at++);
  }

  i16(): number {
    this.#need(2);
    const value = this.#buf.readInt16BE(this.#at);
    this.#at += 2;
    return value;
  }

  i32(): number {
    this.#need(4);
    const value = this.#buf.readInt32BE(this.#at);
    this.#at += 4;
    return value;
  }

  u32(): number {
    this.#need(4);
    const value = this.#buf.readUInt32BE(this.#at);
    this.#at += 4;
    return value;
  }

  u64(): bigint {
    this.#need(8);
    const value = this.#buf.readBigUInt64BE(this.#at);
    this.#at += 8;
    return value;
  }

  i64(): bigint {
    this.#need(8);
    const value = this.#buf.readBigInt64BE(this.#at);
    this.#at += 8;
    return value;
  }

  /** A NUL-terminated string. */
  cstring(): string {
    const end = this.#buf.indexOf(0, this.#at);
    if (end < 0) throw new PgoutputError(`pgoutput message truncated: unterminated string at ${this.#at}`);
    const text = utf8.decode(this.#buf.subarray(this.#at, end));
    this.#at = end + 1;
    return text;
  }

  bytes(length: number): Buffer {
    if (length < 0) throw new PgoutputError(`pgoutput message has a negative length ${length}`);
    this.#need(length);
    const out = this.#buf.subarray(this.#at, this.#at + length);
    this.#at += length;
    return out;
  }

  char(): string {
    return String.fromCharCode(this.u8());
  }

  end(): void {
    if (this.#at !== this.#buf.length) throw new PgoutputError(`pgoutput message has ${this.#buf.length - this.#at} bytes left over`);
  }
}

/** A Postgres timestamp (microseconds since 2000-01-01) as an ISO 8601 string in UTC. */
export function pgTimeToIso(us: bigint): string {
  const unixUs = us + PG_EPOCH_US;
  const ms = unixUs / 1000n;
  const micros = Number(((unixUs % 1_000_000n) + 1_000_000n) % 1_000_000n);
  const iso = new Date(Number(ms)).toISOString(); // 2024-01-02T03:04:05.678Z
  return `${iso.slice(0, 19)}.${String(micros).padStart(6, '0')}Z`;
}

function tuple(reader: Reader): TupleValue[] {
  const count = reader.i16();
  const values: TupleValue[] = [];
  for (let i = 0; i < count; i++) {
    const kind = reader.char();
    if (kind === 'n') values.push(null);
    else if (kind === 'u') values.push({ unchanged: true });
    else if (kind === 't') values.push(utf8.decode(reader.bytes(reader.i32())));
    else throw new PgoutputError(`pgoutput tuple column of unknown kind ${JSON.stringify(kind)} (binary mode is not used)`);
  }
  return values;
}

function relation(reader: Reader): RelationMessage {
  const relationOid = reader.u32();
  const schema = reader.cstring();
  const table = reader.cstring();
  const identity = reader.char();
  if (identity !== 'd' && identity !== 'n' && identity !== 'f' && identity !== 'i') {
    throw new PgoutputError(`pgoutput relation has an unknown replica identity ${JSON.stringify(identity)}`);
  }
  const count = reader.i16();
  const columns: RelationColumn[] = [];
  for (let i = 0; i < count; i++) {
    const flags = reader.u8();
    columns.push({ isKey: (flags & 1) === 1, name: reader.cstring(), typeOid: reader.u32(), typeMod: reader.i32() });
  }
  return { tag: 'relation', relationOid, schema, table, replicaIdentity: identity, columns };
}

function oldKind(reader: Reader): 'K' | 'O' {
  const kind = reader.char();
  if (kind !== 'K' && kind !== 'O') throw new PgoutputError(`pgoutput expected K or O, got ${JSON.stringify(kind)}`);
  return kind;
}

function update(reader: Reader): PgoutputMessage {
  const relationOid = reader.u32();
  const kind = reader.char();
  if (kind === 'K' || kind === 'O') {
    const old = tuple(reader);
    const next = reader.char();
    if (next !== 'N') throw new PgoutputError(`pgoutput update expected N, got ${JSON.stringify(next)}`);
    return { tag: 'update', relationOid, oldKind: kind, old, new: tuple(reader) };
  }
  if (kind !== 'N') throw new PgoutputError(`pgoutput update expected K, O or N, got ${JSON.stringify(kind)}`);
  return { tag: 'update', relationOid, new: tuple(reader) };
}

function truncate(reader: Reader): PgoutputMessage {
  const count = reader.i32();
  const options = reader.u8();
  const relationOids: number[] = [];
  for (let i = 0; i < count; i++) relationOids.push(reader.u32());
  return { tag: 'truncate', cascade: (options & 1) === 1, restartIdentity: (options & 2) === 2, relationOids };
}

function decodeBody(tag: string, reader: Reader): PgoutputMessage {
  switch (tag) {
    case 'B':
      return { tag: 'begin', finalLsn: reader.u64(), commitTime: pgTimeToIso(reader.i64()), xid: reader.u32() };
    case 'C':
      return { tag: 'commit', flags: reader.u8(), commitLsn: reader.u64(), endLsn: reader.u64(), commitTime: pgTimeToIso(reader.i64()) };
    case 'O':
      return { tag: 'origin', originLsn: reader.u64(), name: reader.cstring() };
    case 'R':
      return relation(reader);
    case 'Y':
      return { tag: 'type', typeOid: reader.u32(), schema: reader.cstring(), name: reader.cstring() };
    case 'I': {
      const relationOid = reader.u32();
      const kind = reader.char();
      if (kind !== 'N') throw new PgoutputError(`pgoutput insert expected N, got ${JSON.stringify(kind)}`);
      return { tag: 'insert', relationOid, new: tuple(reader) };
    }
    case 'U':
      return update(reader);
    case 'D': {
      const relationOid = reader.u32();
      const kind = oldKind(reader);
      return { tag: 'delete', relationOid, oldKind: kind, old: tuple(reader) };
    }
    case 'T':
      return truncate(reader);
    case 'M': {
      const transactional = (reader.u8() & 1) === 1;
      const lsn = reader.u64();
      const prefix = reader.cstring();
      const content = Buffer.from(reader.bytes(reader.i32()));
      return { tag: 'message', transactional, lsn, prefix, content };
    }
    default:
      throw new PgoutputError(`unknown pgoutput message ${JSON.stringify(tag)}`);
  }
}

/** Decodes one pgoutput message (the payload of one XLogData). */
export function decodePgoutput(buf: Buffer): PgoutputMessage {
  if (buf.length === 0) throw new PgoutputError('empty pgoutput message');
  const reader = new Reader(buf);
  const message = decodeBody(reader.char(), reader);
  reader.end();
  return message;
}

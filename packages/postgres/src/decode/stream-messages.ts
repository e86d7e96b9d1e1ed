/**
 * @module decode/stream-messages
 * The frames of the streaming replication protocol inside CopyData: XLogData (`w`) and the
 * primary keepalive (`k`) from the server, the standby status update (`r`) we send back to
 * confirm a position. See https://www.postgresql.org/docs/15/protocol-replication.html
 */
import { PgoutputError } from './pgoutput.js';

/** Microseconds between the Unix epoch and Postgres' epoch (2000-01-01). */
const PG_EPOCH_MS = 946_684_800_000;

export type StreamMessage =
  { type: 'xlog'; dataStart: bigint; walEnd: bigint; data: Buffer } | { type: 'keepalive'; walEnd: bigint; replyRequested: boolean };

/** Decodes one CopyData payload of the replication stream. */
export function decodeStreamMessage(chunk: Buffer): StreamMessage {
  const tag = chunk.length > 0 ? String.fromCharCode(chunk[0] ?? 0) : '';
  if (tag === 'w') {
    if (chunk.length < 25) throw new PgoutputError(`XLogData of ${chunk.length} bytes is shorter than its 25-byte header`);
    return { type: 'xlog', dataStart: chunk.readBigUInt64BE(1), walEnd: chunk.readBigUInt64BE(9), data: chunk.subarray(25) };
  }
  if (tag === 'k') {
    if (chunk.length !== 18) throw new PgoutputError(`primary keepalive of ${chunk.length} bytes, expected 18`);
    return { type: 'keepalive', walEnd: chunk.readBigUInt64BE(1), replyRequested: chunk[17] === 1 };
  }
  throw new PgoutputError(`unknown replication stream message ${JSON.stringify(tag)}`);
}

/**
 * The standby status update confirming that everything up to `lsn` is written, flushed and
 * applied: the server may then recycle WAL before it, and a restart resumes after it.
 */
export function standbyStatus(lsn: bigint, nowMs: number, replyRequested = false): Buffer {
  const out = Buffer.alloc(34);
  out.write('r', 0, 'latin1');
  out.writeBigUInt64BE(lsn, 1);
  out.writeBigUInt64BE(lsn, 9);
  out.writeBigUInt64BE(lsn, 17);
  out.writeBigInt64BE(BigInt(nowMs - PG_EPOCH_MS) * 1000n, 25);
  out.writeUInt8(replyRequested ? 1 : 0, 33);
  return out;
}

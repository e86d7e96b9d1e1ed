/**
 * @module decode/lsn
 * Log sequence numbers: Postgres writes them `X/Y` (two hex halves of a 64-bit position); the
 * feed compares them as bigints.
 */

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** Parses `16/B374D848` into a bigint; throws a TypeError on anything else. */
export function parseLsn(text: string): bigint {
  const match = LSN.exec(text);
  if (!match) throw new TypeError(`not an LSN: ${JSON.stringify(text)} (expected X/Y in hex)`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** Formats a position the way Postgres does: upper and lower 32 bits in hex, upper case. */
export function formatLsn(lsn: bigint): string {
  const high = (lsn >> 32n).toString(16).toUpperCase();
  const low = (lsn & 0xffffffffn).toString(16).toUpperCase();
  return `${high}/${low}`;
}

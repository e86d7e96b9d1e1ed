import * as wsModule from 'ws';
import { describe, expect, it } from 'vitest';
import { framed } from './ws.js';

interface FrameOptions {
  fin: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
  rsv1: boolean;
}
// ws's own framing, as the reference (not in @types/ws).
const { Sender } = wsModule as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };

function reference(payload: Buffer, opcode: number): Buffer {
  return Buffer.concat(Sender.frame(payload, { fin: true, opcode, mask: false, readOnly: false, rsv1: false }));
}

describe('framed', () => {
  it.each([0, 1, 125, 126, 65_535, 65_536, 70_000])('frames a %i-byte text frame exactly as ws does', (bytes) => {
    const text = 'a'.repeat(bytes);
    expect(framed(text).equals(reference(Buffer.from(text), 1))).toBe(true);
  });

  it('frames multi-byte text by its UTF-8 length', () => {
    const text = 'é🚀'.repeat(30);
    expect(framed(text).equals(reference(Buffer.from(text), 1))).toBe(true);
  });

  it('frames binary frames (a view into a larger buffer) with the binary opcode', () => {
    const backing = Buffer.from('xxhello msgpackyy');
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 13);
    expect(framed(view).equals(reference(Buffer.from('hello msgpack'), 2))).toBe(true);
  });

  it('reuses the framing of the frame written last and reframes a different one', () => {
    const text = JSON.stringify({ type: 'publication', channel: 'room:1', data: 1 });
    const first = framed(text);
    expect(framed(text)).toBe(first);
    const other = framed(`${text} `);
    expect(other).not.toBe(first);
    expect(other.equals(reference(Buffer.from(`${text} `), 1))).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { TracedFrame } from '../shared/protocol.js';
import { TraceBuffer } from './trace-buffer.js';

const frame = (at: number): TracedFrame => ({ at, node: 'n', client: 'c', user: 'u', direction: 'in', kind: 'command', frame: {} });

describe('TraceBuffer', () => {
  it('keeps the newest frames, counting the others with those the nodes dropped', () => {
    const buffer = new TraceBuffer(3);
    buffer.add({ node: 'n', frames: [frame(1), frame(2)], dropped: 4 });
    buffer.add({ node: 'n', frames: [frame(3), frame(4)], dropped: 0 });
    expect(buffer.frames.map((f) => f.at)).toEqual([2, 3, 4]);
    expect(buffer.dropped).toBe(5);
    buffer.clear();
    expect([buffer.frames, buffer.dropped]).toEqual([[], 0]);
  });
});

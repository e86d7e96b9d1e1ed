import { Writable, type Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { WebSocketTransport } from './websocket.js';

/** The upgraded socket: records how many frames each of its writes carried. */
function socketRecordingWrites(): { socket: Duplex; writes: number[] } {
  const writes: number[] = [];
  const socket = new Writable({
    write(_chunk, _encoding, callback) {
      writes.push(1);
      callback();
    },
    writev(chunks, callback) {
      writes.push(chunks.length);
      callback();
    },
  });
  return { socket: socket as unknown as Duplex, writes };
}

const fakeWs = { extensions: '', readyState: 1, bufferedAmount: 0, on: () => fakeWs } as unknown as WebSocket;

describe('WebSocketTransport', () => {
  it('writes the frames sent in one tick to its socket in one write', async () => {
    const { socket, writes } = socketRecordingWrites();
    const transport = new WebSocketTransport(fakeWs, undefined, socket);
    transport.send([{ type: 'message', data: '2["a"]' }]);
    transport.send([
      { type: 'message', data: '2["b"]' },
      { type: 'message', data: '2["c"]' },
    ]);
    expect(writes).toEqual([]);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(writes).toEqual([3]);
    // The next tick's frames go in a write of their own.
    transport.send([{ type: 'message', data: '2["d"]' }]);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(writes).toEqual([3, 1]);
  });
});

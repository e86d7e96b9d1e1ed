import { afterEach, describe, expect, it, vi } from 'vitest';
import { LongPollTransport } from './long-poll-transport.js';

const info = { name: 'long_poll', headers: {} };

afterEach(() => {
  vi.useRealTimers();
});

describe('LongPollTransport', () => {
  it('answers a poll at once with what is queued, in order, and counts the queued bytes', async () => {
    const transport = new LongPollTransport(info);
    transport.write('{"a":1}');
    transport.write('{"b":2}');
    expect(transport.bufferedBytes).toBe(16);
    await expect(transport.poll(1_000)).resolves.toEqual({ frames: '{"a":1}\n{"b":2}', ended: false });
    expect(transport.bufferedBytes).toBe(0);
  });

  it('answers a waiting poll when a frame comes, or empty after its wait', async () => {
    vi.useFakeTimers();
    const transport = new LongPollTransport(info);
    const waiting = transport.poll(25_000);
    transport.write('{"x":1}');
    await expect(waiting).resolves.toEqual({ frames: '{"x":1}', ended: false });
    const empty = transport.poll(25_000);
    vi.advanceTimersByTime(25_000);
    await expect(empty).resolves.toEqual({ frames: '', ended: false });
  });

  it('answers an earlier waiting poll empty when a second comes: one poll at a time', async () => {
    vi.useFakeTimers();
    const transport = new LongPollTransport(info);
    const first = transport.poll(25_000);
    const second = transport.poll(25_000);
    await expect(first).resolves.toEqual({ frames: '', ended: false });
    transport.write('{"y":1}');
    await expect(second).resolves.toEqual({ frames: '{"y":1}', ended: false });
  });

  it('ends with a disconnect push, refuses writes after it, and takes back frames a lost poll took', async () => {
    const transport = new LongPollTransport(info);
    transport.write('{"z":1}');
    const lost = await transport.poll(0);
    transport.giveBack(lost);
    transport.close(3001, 'shutdown');
    expect(() => transport.write('{}')).toThrow('closed');
    expect(transport.finished).toBe(false);
    await expect(transport.poll(0)).resolves.toEqual({
      frames: '{"z":1}\n{"type":"disconnect","code":3001,"reason":"shutdown","reconnect":true}',
      ended: true,
    });
    expect(transport.finished).toBe(true);
  });
});

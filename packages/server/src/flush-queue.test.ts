import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlushQueue, type Flushable } from './flush-queue.js';
import { flushMicrotasks } from './testkit/fake-transport.js';

function item(log: string[], name: string, onFlush?: () => void): Flushable {
  return {
    flushOutbox() {
      log.push(name);
      onFlush?.();
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('FlushQueue', () => {
  it('flushes what was added in one synchronous burst in a single microtask, in order', async () => {
    const queue = new FlushQueue();
    const log: string[] = [];
    const scheduled = vi.spyOn(globalThis, 'queueMicrotask');
    queue.add(item(log, 'a'));
    queue.add(item(log, 'b'));
    queue.add(item(log, 'c'));
    expect(scheduled).toHaveBeenCalledTimes(1);
    expect(log).toEqual([]);
    await flushMicrotasks();
    expect(log).toEqual(['a', 'b', 'c']);
  });

  it('flushes an item added during a flush in the next microtask', async () => {
    const queue = new FlushQueue();
    const log: string[] = [];
    queue.add(item(log, 'a', () => queue.add(item(log, 'late'))));
    await flushMicrotasks();
    expect(log).toEqual(['a', 'late']);
    queue.add(item(log, 'again'));
    await flushMicrotasks();
    expect(log).toEqual(['a', 'late', 'again']);
  });

  it('still flushes the others when one throws, and warns instead of crashing', async () => {
    const queue = new FlushQueue();
    const log: string[] = [];
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    queue.add(item(log, 'a'));
    queue.add(
      item(log, 'bad', () => {
        throw new Error('boom');
      }),
    );
    queue.add(item(log, 'c'));
    await flushMicrotasks();
    expect(log).toEqual(['a', 'bad', 'c']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('boom'));
  });
});

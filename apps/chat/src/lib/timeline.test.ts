import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../shared/protocol.js';
import { mergeMessages } from './timeline.js';

const msg = (id: string, at: number): ChatMessage => ({ id, at, text: id, author: 'a' });

describe('mergeMessages', () => {
  it('appends a new message and skips one it already has', () => {
    const list = mergeMessages([], [msg('1', 1)]);
    const again = mergeMessages(list, [msg('1', 1)]);
    expect(again).toBe(list);
    expect(mergeMessages(list, [msg('2', 2)]).map((m) => m.id)).toEqual(['1', '2']);
  });

  it('merges older messages (history) in time order, without duplicates', () => {
    const live = [msg('3', 30), msg('4', 40)];
    const merged = mergeMessages(live, [msg('1', 10), msg('3', 30), msg('2', 20), msg('2', 20)]);
    expect(merged.map((m) => m.id)).toEqual(['1', '2', '3', '4']);
  });

  it('keeps the newest max messages', () => {
    const list = [msg('1', 1), msg('2', 2), msg('3', 3)];
    expect(mergeMessages(list, [msg('4', 4)], 3).map((m) => m.id)).toEqual(['2', '3', '4']);
  });
});

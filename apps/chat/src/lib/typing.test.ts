import { describe, expect, it } from 'vitest';
import { Throttle, expireTyping, nextExpiry, noteTyping, stopTyping, typingText } from './typing.js';

describe('typing state', () => {
  it('keeps each author until their latest expiry', () => {
    let typists = noteTyping({}, 'Ada', 5000);
    typists = noteTyping(typists, 'Bob', 3000);
    typists = noteTyping(typists, 'Ada', 4000); // an older notice arriving late does not shorten it
    expect(typists).toEqual({ Ada: 5000, Bob: 3000 });
    expect(nextExpiry(typists)).toBe(3000);
    expect(nextExpiry({})).toBeUndefined();
  });

  it('expires authors at their time, and returns the same object when nothing changed', () => {
    const typists = { Ada: 5000, Bob: 3000 };
    expect(expireTyping(typists, 2999)).toBe(typists);
    expect(expireTyping(typists, 3000)).toEqual({ Ada: 5000 });
    expect(expireTyping(typists, 9000)).toEqual({});
  });

  it('stops an author who sent a message', () => {
    const typists = { Ada: 5000, Bob: 3000 };
    expect(stopTyping(typists, ['Bob', 'Bob'])).toEqual({ Ada: 5000 });
    expect(stopTyping(typists, ['Cy'])).toBe(typists);
    expect(typists).toEqual({ Ada: 5000, Bob: 3000 });
  });

  it.each([
    [[], undefined],
    [['Ada'], 'Ada is typing…'],
    [['Bob', 'Ada'], 'Ada and Bob are typing…'],
    [['Cy', 'Ada', 'Bob'], 'Ada, Bob and Cy are typing…'],
    [['Ada', 'Bob', 'Cy', 'Dee'], '4 people are typing…'],
  ])('says %j as %j', (authors, text) => {
    expect(typingText(authors)).toBe(text);
  });
});

describe('Throttle', () => {
  it('lets the first action through, then one per interval, and again at once after a reset', () => {
    let now = 1000;
    const throttle = new Throttle(2000, () => now);
    expect(throttle.take()).toBe(true);
    now += 1999;
    expect(throttle.take()).toBe(false);
    now += 1;
    expect(throttle.take()).toBe(true);
    expect(throttle.take()).toBe(false);
    throttle.reset();
    expect(throttle.take()).toBe(true);
  });
});

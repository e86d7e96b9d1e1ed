import { describe, expect, it } from 'vitest';
import { FakeLocks } from '../testing/fake-tabs.js';
import { electLeader } from './election.js';

const microtasks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe('electLeader', () => {
  it('elects one tab, then the next in line when the leader resigns', async () => {
    const locks = new FakeLocks();
    const led: string[] = [];
    const resignA = electLeader(locks, 'l', () => led.push('a'));
    const resignB = electLeader(locks, 'l', () => led.push('b'));
    const resignC = electLeader(locks, 'l', () => led.push('c'));
    await microtasks();
    expect(led).toEqual(['a']);
    resignA();
    await microtasks();
    expect(led).toEqual(['a', 'b']);
    resignB();
    await microtasks();
    expect(led).toEqual(['a', 'b', 'c']);
    resignC();
    await microtasks();
    expect(locks.held('l')).toBe(false);
  });

  it('withdraws a request still waiting: that tab never leads', async () => {
    const locks = new FakeLocks();
    const led: string[] = [];
    const resignA = electLeader(locks, 'l', () => led.push('a'));
    const resignB = electLeader(locks, 'l', () => led.push('b'));
    await microtasks();
    resignB();
    resignA();
    await microtasks();
    expect(led).toEqual(['a']);
    expect(locks.held('l')).toBe(false);
  });

  it('elects separately per lock name (one per URL)', async () => {
    const locks = new FakeLocks();
    const led: string[] = [];
    const offs = [electLeader(locks, 'x', () => led.push('x')), electLeader(locks, 'y', () => led.push('y'))];
    await microtasks();
    expect(led.sort()).toEqual(['x', 'y']);
    for (const off of offs) off();
  });
});

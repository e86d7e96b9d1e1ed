import { afterEach, describe, expect, it, vi } from 'vitest';
import { sharedEngines } from './engines.js';
import { next, subscribed, useSupabaseNodes, type SupabaseNode } from './harness.js';

const cleanups: Array<() => Promise<void>> = [];
// Registered before the nodes' cleanup, so it runs after it (hooks run as a stack): keys go once the nodes are closed.
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
const start = useSupabaseNodes();

/** Engines of two nodes that share everything: a MemoryBus, or one Redis prefix. */
const ENGINES = sharedEngines('supabase', cleanups);

describe.each(ENGINES)('two nodes on the %s engine', (_, shared) => {
  async function twoNodes(): Promise<[SupabaseNode, SupabaseNode]> {
    const engine = shared();
    const a = await start({ nodeId: 'a', engine: engine() });
    const b = await start({ nodeId: 'b', engine: engine() });
    await vi.waitFor(() => expect(a.relais.cluster.nodes()).toHaveLength(2));
    return [a, b];
  }

  it('carries broadcasts and presence between Supabase clients of different nodes', async () => {
    const [a, b] = await twoNodes();
    const alice = a.client().channel('room', { config: { presence: { key: 'alice' }, broadcast: { ack: true } } });
    const bob = b.client().channel('room', { config: { presence: { key: 'bob' } } });
    const broadcast = next<{ payload: unknown }>((cb) => bob.on('broadcast', { event: 'hi' }, cb));
    const joined = next<{ key: string }>((cb) => bob.on('presence', { event: 'join' }, cb));
    const left = next<{ key: string }>((cb) => bob.on('presence', { event: 'leave' }, cb));
    await subscribed(bob);
    await subscribed(alice);
    await alice.send({ type: 'broadcast', event: 'hi', payload: { across: true } });
    expect((await broadcast).payload).toEqual({ across: true });
    await alice.track({ node: 'a' });
    expect((await joined).key).toBe('alice');
    await alice.untrack();
    expect((await left).key).toBe('alice');
  });

  it('a late joiner on the other node gets the presence state of the cluster', async () => {
    const [a, b] = await twoNodes();
    const alice = a.client().channel('lobby', { config: { presence: { key: 'alice' } } });
    alice.on('presence', { event: 'sync' }, () => undefined);
    await subscribed(alice);
    await alice.track({ from: 'a' });
    const late = b.client().channel('lobby');
    const state = new Promise<Record<string, unknown[]>>((resolve) => {
      late.on('presence', { event: 'sync' }, () => {
        const current = late.presenceState() as Record<string, unknown[]>;
        if ('alice' in current) resolve(current);
      });
    });
    await subscribed(late);
    expect((await state).alice).toEqual([{ from: 'a', presence_ref: expect.any(String) }]);
  });
});

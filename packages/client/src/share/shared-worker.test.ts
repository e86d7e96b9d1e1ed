import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Publication } from '../subscription-types.js';
import { FakeChannels, FakeLocks } from '../testing/fake-tabs.js';
import { FAKE_URL, recorder } from '../testing/helpers.js';
import { useFakeServer } from '../testing/use-fake-server.js';
import { SharedClient } from './shared-client.js';
import { serveSharedWorker, type MessagePortLike, type SharedWorkerScopeLike } from './shared-worker.js';

/** Two ends of a MessageChannel; each message structured-cloned, delivered in a later microtask. */
function portPair(): [MessagePortLike, MessagePortLike] {
  const make = (): MessagePortLike & { peer?: MessagePortLike; closed: boolean } => ({
    onmessage: null,
    closed: false,
    postMessage(message) {
      const peer = this.peer!;
      const copy = structuredClone(message);
      queueMicrotask(() => {
        if (!this.closed) peer.onmessage?.({ data: copy });
      });
    },
    close() {
      this.closed = true;
    },
  });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

const settle = () => vi.advanceTimersByTimeAsync(0);

describe('serveSharedWorker', () => {
  const fake = useFakeServer();
  beforeEach(() => vi.stubGlobal('SharedWorker', function SharedWorker() {}));
  afterEach(() => vi.unstubAllGlobals());

  function setup() {
    const locks = new FakeLocks();
    const scope: SharedWorkerScopeLike = { onconnect: null };
    const served = serveSharedWorker(FAKE_URL, { scope, locks, websocket: fake.server.WebSocket, transports: ['websocket'] });
    const worker = () => {
      const [tabEnd, workerEnd] = portPair();
      scope.onconnect?.({ ports: [workerEnd] });
      return { port: tabEnd };
    };
    const tab = () => new SharedClient(FAKE_URL, { share: true, worker, locks, window: null, document: null });
    return { served, tab };
  }

  it('holds one connection for every tab; no tab leads', async () => {
    const { served, tab } = setup();
    const tabs = [tab(), tab(), tab()];
    const got = tabs.map(() => recorder<Publication>());
    tabs.forEach((t, i) => {
      t.subscribe('room:1').on('publication', got[i]!);
      t.connect();
    });
    await settle();
    expect(fake.server.connections).toHaveLength(1);
    expect(fake.server.commands('subscribe')).toHaveLength(1);
    expect(tabs.map((t) => [t.isLeader, t.state])).toEqual([
      [false, 'connected'],
      [false, 'connected'],
      [false, 'connected'],
    ]);
    fake.server.sendPush({ type: 'publication', channel: 'room:1', data: 'hi', offset: 1, epoch: 'e' });
    await settle();
    expect(got.map((r) => r.values.map((p) => p.data))).toEqual([['hi'], ['hi'], ['hi']]);
    await expect(tabs[2]!.publish('room:1', 'x')).resolves.toBeDefined();
    for (const t of tabs) t.close();
    served.close();
  });

  it('releases the subscriptions of a tab that is gone', async () => {
    const { served, tab } = setup();
    const [a, b] = [tab(), tab()];
    for (const t of [a, b]) {
      t.subscribe('room:1');
      t.connect();
    }
    await settle();
    expect(served.hub.refcounts.get('room:1')).toBe(2);
    a.close();
    await settle();
    expect(served.hub.refcounts.get('room:1')).toBe(1);
    b.close();
    await settle();
    expect(served.hub.refcounts.has('room:1')).toBe(false);
    expect(fake.server.commands('unsubscribe')).toHaveLength(1);
    served.close();
  });

  it('falls back to a leader tab where the runtime has no SharedWorker', async () => {
    vi.unstubAllGlobals();
    const locks = new FakeLocks();
    const worker = vi.fn();
    const channels = new FakeChannels();
    const client = new SharedClient(FAKE_URL, {
      share: true,
      worker,
      locks,
      channel: channels.open,
      websocket: fake.server.WebSocket,
      transports: ['websocket'],
      window: null,
      document: null,
    });
    client.connect();
    await settle();
    expect(worker).not.toHaveBeenCalled();
    expect(client.isLeader).toBe(true);
    client.close();
  });
});

import { DISCONNECT_CODES, ERROR_CODES, ReplyError, type Push } from '@relais/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRelais, type Relais } from '../node.js';
import { useTestNodes } from '../testkit/test-node.js';
import { ConnectRefusedError, type InProcessPeer } from './in-process-connection.js';

/** A front-end's socket: what it was pushed, and how it was closed. */
class Peer implements InProcessPeer {
  bufferedBytes = 0;
  readonly pushes: Push[] = [];
  readonly closes: Array<[number, string]> = [];
  #waiters: Array<() => void> = [];

  onPush(push: Push): void {
    this.pushes.push(push);
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  onNodeClose(code: number, reason: string): void {
    this.closes.push([code, reason]);
  }

  /** Resolves once `count` pushes came. */
  async received(count: number): Promise<void> {
    while (this.pushes.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}

const transport = { name: 'test-frontend', headers: {} };
const start = useTestNodes();

describe('InProcessConnection', () => {
  let node: Relais | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    await node?.close();
    node = undefined;
  });

  it('hands one publication to every in-process connection as the same value, with its position, and to native clients as a frame', async () => {
    const { relais, connect } = await start({ namespaces: { chat: { historySize: 10, historyTtlMs: 60_000 } } });
    const [a, b] = [new Peer(), new Peer()];
    const [first, second] = await Promise.all([a, b].map((peer) => relais.connectInProcess(peer, { transport })));
    expect(first!.client).toMatch(/^[A-Za-z0-9_-]{16}$/);
    await relais.subscribe(first!.client!, 'chat:lobby');
    await relais.subscribe(second!.client!, 'chat:lobby');
    const native = await connect();
    await native.call('subscribe', { channel: 'chat:lobby' });

    await relais.publish('chat:lobby', { text: 'hi' }, { event: 'say' });
    await Promise.all([a.received(1), b.received(1)]);
    const push = a.pushes.find((value) => value.type === 'publication');
    expect(push).toMatchObject({ type: 'publication', channel: 'chat:lobby', event: 'say', data: { text: 'hi' }, offset: 1 });
    expect(typeof (push as { epoch?: unknown }).epoch).toBe('string');
    // Not encoded and decoded per connection: the very same object, a key for the front-end's cache.
    expect(b.pushes.find((value) => value.type === 'publication')).toBe(push);
    expect(await native.nextPush((value) => value.type === 'publication')).toMatchObject({ data: { text: 'hi' }, offset: 1 });
  });

  it("runs the node's connect hooks: their identity is the connection's, their refusal a ConnectRefusedError", async () => {
    node = createRelais();
    node.onConnecting(({ token, data }) => {
      if (token !== 'good') throw new ReplyError(ERROR_CODES.UNAUTHORIZED, 'bad token');
      return { user: `u-${(data as { id: string }).id}` };
    });
    const accepted = await node.connectInProcess(new Peer(), { transport, token: 'good', data: { id: '7' } });
    expect(accepted.user).toBe('u-7');
    const refused = node.connectInProcess(new Peer(), { transport, token: 'bad' });
    await expect(refused).rejects.toThrow(ConnectRefusedError);
    await expect(refused).rejects.toMatchObject({ code: ERROR_CODES.UNAUTHORIZED, message: 'bad token' });
  });

  it('is refused with 3006 when the node is full, as a native connection is', async () => {
    node = createRelais({ maxConnections: 1 });
    await node.connectInProcess(new Peer(), { transport });
    await expect(node.connectInProcess(new Peer(), { transport })).rejects.toMatchObject({ code: DISCONNECT_CODES.CONNECTION_LIMIT });
  });

  it("counts the front-end's inbound messages against the node's command limits", async () => {
    node = createRelais({ limits: { perConnection: { commands: { perSecond: 1, burst: 3 } } } });
    const connection = await node.connectInProcess(new Peer(), { transport });
    const verdicts = Array.from({ length: 40 }, () => connection.admit());
    // The connect command took one of the 3.
    expect(verdicts.slice(0, 3)).toEqual(['ok', 'ok', 'limited']);
    expect(verdicts.indexOf('flood')).toBeGreaterThan(2);
  });

  it('closes as slow (3008) when the front-end holds more than maxQueueBytes for its peer', async () => {
    node = createRelais({ maxQueueBytes: 1024, maxMessageBytes: 1024 });
    const peer = new Peer();
    const connection = await node.connectInProcess(peer, { transport });
    await node.subscribe(connection.client!, 'room');
    peer.bufferedBytes = 2048;
    await node.publish('room', 'x');
    await vi.waitFor(() => expect(peer.closes).toEqual([[DISCONNECT_CODES.SLOW, expect.any(String)]]));
    expect(peer.pushes.filter((push) => push.type === 'publication')).toEqual([]);
    expect(connection.client).toBeUndefined();
  });

  it('sends no relais pings and never expires: the front-end keeps its peer alive', async () => {
    vi.useFakeTimers();
    node = createRelais({ pingIntervalMs: 1000, pongTimeoutMs: 500 });
    const peer = new Peer();
    const connection = await node.connectInProcess(peer, { transport });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(peer.pushes).toEqual([]);
    expect(peer.closes).toEqual([]);
    expect(connection.client).toBeDefined();
  });

  it('ends without calling onNodeClose when the front-end ends it, and releases its channels', async () => {
    node = createRelais({ namespaces: { room: { presence: true } } });
    const peer = new Peer();
    const connection = await node.connectInProcess(peer, { transport });
    await node.subscribe(connection.client!, 'room:1');
    expect(Object.keys(await node.presence('room:1'))).toEqual([connection.client]);
    connection.end();
    await vi.waitFor(async () => expect(await node!.presence('room:1')).toEqual({}));
    expect(peer.closes).toEqual([]);
  });
});

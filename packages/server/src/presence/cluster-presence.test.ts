import { jsonCodec } from '@relais/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryBroker } from '../memory/memory-broker.js';
import { MemoryBus } from '../memory/memory-bus.js';
import { MemoryPresenceStore } from '../memory/memory-presence-store.js';
import { createRelais, type Relais } from '../node.js';
import type { Session } from '../session.js';
import { FakeTransport, flushMicrotasks } from '../testkit/fake-transport.js';

const namespaces = { room: { historySize: 10, historyTtlMs: 60_000, presence: true, joinLeave: true } };
let nodes: Relais[] = [];

afterEach(async () => {
  await Promise.all(nodes.map((n) => n.close()));
  nodes = [];
});

function cluster(count: number): Relais[] {
  const bus = new MemoryBus();
  const created = Array.from({ length: count }, () =>
    createRelais({ namespaces, engine: { broker: new MemoryBroker({ bus }), presence: new MemoryPresenceStore({ bus }) } }),
  );
  nodes.push(...created);
  return created;
}

async function connect(relais: Relais): Promise<{ transport: FakeTransport; session: Session; send(command: unknown): Promise<void> }> {
  const transport = new FakeTransport();
  const session = relais.accept(transport)!;
  const send = async (command: unknown): Promise<void> => {
    session.handleMessage(jsonCodec.encode(command));
    await flushMicrotasks();
  };
  await send({ id: 1, method: 'connect' });
  return { transport, session, send };
}

describe('history, presence and join/leave in an in-process cluster', () => {
  it('recovers on another node what was published on a third one', async () => {
    const [a, b, c] = cluster(3);
    const first = await connect(a!);
    await first.send({ id: 2, method: 'subscribe', params: { channel: 'room:1' } });
    const { offset, epoch } = first.transport.reply(2)!.result as { offset: number; epoch: string };
    first.session.handleClose(1006);
    await c!.publish('room:1', 'x');
    await c!.publish('room:1', 'y');
    const again = await connect(b!);
    await again.send({ id: 2, method: 'subscribe', params: { channel: 'room:1', since: { offset, epoch } } });
    expect(again.transport.reply(2)!.result).toEqual({
      recoverable: true,
      offset: 2,
      epoch,
      recovered: true,
      publications: [
        { data: 'x', offset: 1 },
        { data: 'y', offset: 2 },
      ],
    });
  });

  it('shows presence of every node and carries join/leave between nodes', async () => {
    const [a, b] = cluster(2);
    const watcher = await connect(a!);
    await watcher.send({ id: 2, method: 'subscribe', params: { channel: 'room:1', joinLeave: true } });
    const other = await connect(b!);
    await other.send({ id: 2, method: 'subscribe', params: { channel: 'room:1' } });
    expect(Object.keys(await a!.presence('room:1')).sort()).toEqual([watcher.session.client, other.session.client].sort());
    other.session.handleClose(1006);
    await flushMicrotasks();
    expect(watcher.transport.pushes().filter((p) => p.type === 'join' || p.type === 'leave')).toEqual([
      { type: 'join', channel: 'room:1', info: { client: other.session.client, user: '' } },
      { type: 'leave', channel: 'room:1', info: { client: other.session.client, user: '' } },
    ]);
    expect(await b!.presenceStats('room:1')).toEqual({ clients: 1, users: 1 });
  });
});

import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, jsonCodec } from '@relais/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryQuery, HistoryResult } from '../broker.js';
import { MemoryBroker } from '../memory/memory-broker.js';
import { useTestNodes } from '../testkit/test-node.js';
import { createRelais, type Relais } from '../node.js';
import { FakeTransport, flushMicrotasks } from '../testkit/fake-transport.js';

const start = useTestNodes();
const namespaces = {
  chat: { historySize: 5, historyTtlMs: 60_000 },
  plain: {},
};

describe.each([
  ['JSON', JSON_SUBPROTOCOL],
  ['MessagePack', MSGPACK_SUBPROTOCOL],
])('history and recovery over WebSocket (%s)', (_name, protocol) => {
  const options = { protocols: protocol };

  it('gives client publishes an offset and epoch in the reply and in the push', async () => {
    const { connect } = await start({ namespaces });
    const a = await connect(options);
    const sub = await a.call<{ recoverable: boolean; offset: number; epoch: string }>('subscribe', { channel: 'chat:1' });
    expect(sub).toEqual({ recoverable: true, offset: 0, epoch: expect.any(String) });
    const reply = await a.call('publish', { channel: 'chat:1', data: 'hi' });
    expect(reply).toEqual({ offset: 1, epoch: sub.epoch });
    expect(await a.nextPush()).toEqual({
      type: 'publication',
      channel: 'chat:1',
      data: 'hi',
      offset: 1,
      epoch: sub.epoch,
      info: { client: a.id, user: '' },
    });
  });

  it('recovers the publications missed since a position, then delivers live ones', async () => {
    const { connect, relais } = await start({ namespaces });
    const a = await connect(options);
    const { epoch } = await a.call<{ epoch: string }>('subscribe', { channel: 'chat:1' });
    await relais.publish('chat:1', 1);
    await a.close();
    await relais.publish('chat:1', 2);
    await relais.publish('chat:1', 3);
    const b = await connect(options);
    const result = await b.call('subscribe', { channel: 'chat:1', since: { offset: 1, epoch } });
    expect(result).toEqual({
      recoverable: true,
      offset: 3,
      epoch,
      recovered: true,
      publications: [
        { data: 2, offset: 2 },
        { data: 3, offset: 3 },
      ],
    });
    await relais.publish('chat:1', 4);
    expect(await b.nextPush()).toMatchObject({ data: 4, offset: 4 });
  });

  it('answers recovered:false when the history was trimmed past the position, or the epoch differs', async () => {
    const { connect, relais } = await start({ namespaces });
    const a = await connect(options);
    const { epoch } = await relais.history('chat:1', { limit: 0 }).then((r) => r.position);
    for (let i = 1; i <= 7; i++) await relais.publish('chat:1', i);
    expect(await a.call('subscribe', { channel: 'chat:1', since: { offset: 1, epoch } })).toEqual({
      recoverable: true,
      offset: 7,
      epoch,
      recovered: false,
    });
    const b = await connect(options);
    expect(await b.call('subscribe', { channel: 'chat:1', since: { offset: 7, epoch: 'gone' } })).toMatchObject({
      recovered: false,
      offset: 7,
    });
    const c = await connect(options);
    expect(await c.call('subscribe', { channel: 'plain:1', since: { offset: 1, epoch } })).toEqual({ recovered: false });
  });

  it("trims a namespace's history by historyMaxBytes: recovery from before the kept bytes answers recovered:false", async () => {
    const { connect, relais } = await start({ namespaces: { big: { historySize: 100, historyTtlMs: 60_000, historyMaxBytes: 700 } } });
    const { epoch } = (await relais.history('big:1', { limit: 0 })).position;
    // Each body is 309 bytes ({data: 300 x's} in MessagePack): 700 bytes keep the last two.
    for (const n of [1, 2, 3, 4]) await relais.publish('big:1', String(n).repeat(300));
    expect((await relais.history('big:1')).publications.map((pub) => pub.offset)).toEqual([3, 4]);
    const a = await connect(options);
    expect(await a.call('subscribe', { channel: 'big:1', since: { offset: 1, epoch } })).toEqual({
      recoverable: true,
      offset: 4,
      epoch,
      recovered: false,
    });
    const b = await connect(options);
    expect(await b.call('subscribe', { channel: 'big:1', since: { offset: 2, epoch } })).toMatchObject({
      recovered: true,
      publications: [{ offset: 3 }, { offset: 4 }],
    });
  });

  it('never stores, numbers or recovers an ephemeral publication', async () => {
    const { connect, relais } = await start({ namespaces });
    const a = await connect(options);
    const { epoch } = await a.call<{ epoch: string }>('subscribe', { channel: 'chat:1' });
    expect(await a.call('publish', { channel: 'chat:1', data: 'typing', ephemeral: true })).toEqual({});
    expect(await a.nextPush()).toEqual({ type: 'publication', channel: 'chat:1', data: 'typing', info: { client: a.id, user: '' } });
    await relais.publish('chat:1', 'stored');
    expect(await relais.history('chat:1')).toMatchObject({ publications: [{ data: 'stored', offset: 1 }], position: { offset: 1 } });
    const b = await connect(options);
    expect(await b.call('subscribe', { channel: 'chat:1', since: { offset: 0, epoch } })).toMatchObject({
      recovered: true,
      publications: [{ data: 'stored', offset: 1 }],
    });
    expect(await a.command('publish', { channel: 'chat:1', data: 1, ephemeral: true, idempotencyKey: 'k' })).toMatchObject({
      error: { code: 107 },
    });
  });

  it('answers history to subscribers with limit, since and reverse; 108 and 113 otherwise', async () => {
    const { connect, relais } = await start({ namespaces });
    const a = await connect(options);
    for (let i = 1; i <= 4; i++) await relais.publish('chat:1', i);
    expect(await a.command('history', { channel: 'chat:1' })).toMatchObject({ error: { code: 113 } });
    const { epoch } = await a.call<{ epoch: string }>('subscribe', { channel: 'chat:1' });
    expect(await a.call('history', { channel: 'chat:1', limit: 2, reverse: true })).toEqual({
      publications: [
        { data: 4, offset: 4 },
        { data: 3, offset: 3 },
      ],
      offset: 4,
      epoch,
    });
    expect(await a.call('history', { channel: 'chat:1', since: { offset: 3, epoch } })).toEqual({
      publications: [{ data: 4, offset: 4 }],
      offset: 4,
      epoch,
    });
    await a.call('subscribe', { channel: 'plain:1' });
    expect(await a.command('history', { channel: 'plain:1' })).toMatchObject({
      error: { code: 108, message: 'history is not enabled in this namespace' },
    });
    expect(await a.command('history', { channel: 'nope:1' })).toMatchObject({ error: { code: 102 } });
  });
});

describe('Relais server API for history', () => {
  it('publishes with the namespace history, and refuses history where it is off', async () => {
    const { relais } = await start({ namespaces });
    const first = await relais.publish('chat:1', 'a');
    expect(first).toEqual({ offset: 1, epoch: expect.any(String) });
    expect(await relais.publish('chat:1', 't', { ephemeral: true })).toEqual({});
    expect(await relais.publish('plain:1', 'x')).toEqual({});
    expect((await relais.history('chat:1')).publications.map((p) => p.data)).toEqual(['a']);
    await expect(relais.history('plain:1')).rejects.toThrow('history is not enabled for plain:1');
    await expect(relais.publish('chat:1', 1, { ephemeral: true, idempotencyKey: 'k' })).rejects.toThrow('ephemeral');
  });
});

/** A MemoryBroker whose history reads wait until the test lets them go. */
class GatedBroker extends MemoryBroker {
  gate: Promise<void> = Promise.resolve();
  override async history(channel: string, query: HistoryQuery): Promise<HistoryResult> {
    const result = await super.history(channel, query);
    await this.gate;
    return result;
  }
}

describe('subscribe with recovery, racing live publications', () => {
  let relais: Relais | undefined;
  afterEach(async () => relais?.close());

  it('delivers replay, then publications made while history was read, then live ones: each once, in order', async () => {
    const broker = new GatedBroker();
    relais = createRelais({ namespaces, engine: { broker } });
    const transport = new FakeTransport();
    const session = relais.accept(transport)!;
    const send = (value: unknown): void => session.handleMessage(jsonCodec.encode(value));
    send({ id: 1, method: 'connect' });
    await flushMicrotasks();
    const { epoch } = (await relais.history('chat:1', { limit: 0 })).position;
    await relais.publish('chat:1', 1);
    await relais.publish('chat:1', 2);

    let open!: () => void;
    broker.gate = new Promise((resolve) => (open = resolve));
    send({ id: 2, method: 'subscribe', params: { channel: 'chat:1', since: { offset: 1, epoch } } });
    await flushMicrotasks();
    // The history snapshot was taken (top 2); these arrive while the reply is being prepared.
    await relais.publish('chat:1', 3);
    await relais.publish('chat:1', 'typing', { ephemeral: true });
    open();
    await flushMicrotasks();
    await relais.publish('chat:1', 4);
    await flushMicrotasks();

    expect(transport.reply(2)?.result).toMatchObject({ recovered: true, publications: [{ data: 2, offset: 2 }] });
    expect(transport.pushes('publication').map((p) => p.data)).toEqual([3, 'typing', 4]);
  });

  it('does not deliver twice what the replay already holds', async () => {
    const broker = new GatedBroker();
    relais = createRelais({ namespaces, engine: { broker } });
    const transport = new FakeTransport();
    const session = relais.accept(transport)!;
    session.handleMessage(jsonCodec.encode({ id: 1, method: 'connect' }));
    await flushMicrotasks();
    const { epoch } = (await relais.history('chat:1', { limit: 0 })).position;
    // The publication lands between the broker subscription and the history read.
    let published: Promise<unknown> | undefined;
    const original = broker.history.bind(broker);
    broker.history = async (channel, query) => {
      published ??= relais!.publish('chat:1', 'between');
      await published;
      return original(channel, query);
    };
    session.handleMessage(jsonCodec.encode({ id: 2, method: 'subscribe', params: { channel: 'chat:1', since: { offset: 0, epoch } } }));
    await flushMicrotasks();
    expect(transport.reply(2)?.result).toMatchObject({ recovered: true, publications: [{ data: 'between', offset: 1 }] });
    expect(transport.pushes('publication')).toEqual([]);
  });
});

/**
 * @module testkit/deliverable-suite
 * What a node acknowledges, it delivers: to JSON and MessagePack subscribers alike, live, from
 * history and by recovery; what it could not deliver is refused at publish (106, 107). Over
 * real sockets, on the engine given. This file imports vitest and fast-check: test files only.
 *
 * @example
 * runDeliverableSuite('RedisBroker', { engine: () => ({ broker: new RedisBroker(options) }) });
 */
import { JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL, type Codec, type Frame, type Push, type Reply } from '@relais/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EngineOptions } from '../options.js';
import { useTestNodes } from './test-node.js';
import type { TestClient } from './ws-client.js';

export interface DeliverableSuiteOptions {
  /** Makes the engine of a new node (once per test). @default the memory engine */
  engine?: () => EngineOptions;
  /** Runs of the property test. @default 50 */
  numRuns?: number;
}

const NAMESPACES = { kept: { historySize: 200, historyTtlMs: 600_000 }, live: {} };
const LONE = '\ud800';
type Protocol = typeof JSON_SUBPROTOCOL | typeof MSGPACK_SUBPROTOCOL;
type Publication = Extract<Push, { type: 'publication' }>;

/** `inner` wrapped in arrays to `levels` levels in all (`[]` is one level). */
export function nested(levels: number, inner: unknown = []): unknown {
  let value = inner;
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

/** Data `levels` arrays deep, written directly in `codec`'s encoding (no encoder would). */
function deepData(codec: Codec, levels: number): string | Uint8Array {
  if (!codec.binary) return `${'['.repeat(levels)}${']'.repeat(levels)}`;
  const bytes = new Uint8Array(levels).fill(0x91); // fixarray of 1
  bytes[levels - 1] = 0x90; // fixarray of 0
  return bytes;
}

/** A publish frame whose data is `data`, already encoded in `codec`'s encoding. */
function publishFrame(codec: Codec, id: number, channel: string, data: string | Uint8Array): Frame {
  // data is the last field written: the frame ends with the encoding of null, replaced here.
  const base = codec.encode({ id, method: 'publish', params: { channel, data: null } });
  if (typeof base === 'string') return `${base.slice(0, -'null}}'.length)}${data as string}}}`;
  const bytes = data as Uint8Array;
  const out = new Uint8Array(base.length - 1 + bytes.length);
  out.set(base.subarray(0, base.length - 1));
  out.set(bytes, base.length - 1);
  return out;
}

function errorCode(reply: Reply): number | undefined {
  return 'error' in reply ? reply.error.code : undefined;
}

/** Waits for the publication `marker` on `channel`, then takes it and every earlier one there. */
async function receivedUntil(client: TestClient, channel: string, marker: string): Promise<Publication[]> {
  const isOn = (push: Push): push is Publication => push.type === 'publication' && push.channel === channel;
  const last = await client.nextPush((push) => isOn(push) && push.data === marker);
  const earlier = client.pushes.filter(isOn);
  for (const push of earlier) client.pushes.splice(client.pushes.indexOf(push), 1);
  return [...earlier, last as Publication];
}

/** An independent oracle: whether both encodings carry `value` identically within `levels`. */
function deliverable(value: unknown, levels: number): boolean {
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value === 'string') return wellFormed(value);
  if (typeof value !== 'object' || levels === 0) return false;
  if (Array.isArray(value)) return value.every((item) => deliverable(item, levels - 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.entries(value).every(([key, item]) => key !== '__proto__' && wellFormed(key) && deliverable(item, levels - 1));
}

function wellFormed(text: string): boolean {
  try {
    encodeURIComponent(text); // throws URIError on a lone surrogate
    return true;
  } catch {
    return false;
  }
}

function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasProtoKey);
  return Object.entries(value).some(([key, item]) => key === '__proto__' || hasProtoKey(item));
}

const char = fc.nat({ max: 0xffff }).map((code) => String.fromCharCode(code)); // lone surrogates included
const leaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(), // NaN, ±Infinity and -0 included
  fc.string({ maxLength: 6 }),
  fc.string({ unit: char, maxLength: 4 }),
  fc.uint8Array({ maxLength: 3 }),
  fc.date({ noInvalidDate: true }),
);
const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', `k${LONE}`, 'toString'));
const { value: valueArb } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.array(fc.tuple(key, tie('value')), { maxLength: 3 }).map((entries) => Object.fromEntries(entries) as unknown),
}));
const dataArb = fc.oneof(
  valueArb,
  fc.tuple(fc.integer({ min: 28, max: 40 }), valueArb).map(([levels, inner]) => nested(levels, inner)),
);
const publishArb = fc.record({ data: dataArb, via: fc.constantFrom<Protocol>(JSON_SUBPROTOCOL, MSGPACK_SUBPROTOCOL) });

export function runDeliverableSuite(name: string, options: DeliverableSuiteOptions = {}): void {
  const startNode = useTestNodes();

  async function start() {
    const node = await startNode({ namespaces: NAMESPACES, ...(options.engine ? { engine: options.engine() } : {}) });
    return {
      relais: node.relais,
      json: (): Promise<TestClient> => node.connect({ protocols: JSON_SUBPROTOCOL }),
      msgpack: (): Promise<TestClient> => node.connect({ protocols: MSGPACK_SUBPROTOCOL }),
    };
  }

  describe(`${name}: what the node acknowledges, it delivers`, () => {
    it('refuses data nested deeper than maxDataDepth with 106, from JSON and MessagePack, and keeps delivering (item 1)', async () => {
      const node = await start();
      const [jsonSub, msgpackSub, jsonPub, msgpackPub] = [await node.json(), await node.msgpack(), await node.json(), await node.msgpack()];
      const channel = 'kept:deep';
      const { epoch } = await jsonSub.call<{ epoch: string }>('subscribe', { channel });
      await msgpackSub.call('subscribe', { channel });
      for (const publisher of [jsonPub, msgpackPub]) {
        for (const levels of [33, 150]) {
          const reply = await publisher.rawCommand((id) => publishFrame(publisher.codec, id, channel, deepData(publisher.codec, levels)));
          expect(reply).toMatchObject({ error: { code: 106, message: 'publish.data is nested deeper than 32 levels' } });
        }
      }
      expect(await jsonPub.call('publish', { channel, data: nested(32) })).toEqual({ offset: 1, epoch });
      await jsonPub.call('publish', { channel, data: 'end' });
      for (const sub of [jsonSub, msgpackSub]) {
        expect((await receivedUntil(sub, channel, 'end')).map((pub) => pub.data)).toEqual([nested(32), 'end']);
        expect(await sub.call('history', { channel })).toMatchObject({ publications: [{ data: nested(32) }, { data: 'end' }] });
      }
    });

    it('refuses 20,000 levels of nesting (40 KB of "["), and history and recovery keep working (item 1)', async () => {
      const node = await start();
      const [jsonPub, msgpackPub, jsonSub, msgpackSub] = [await node.json(), await node.msgpack(), await node.json(), await node.msgpack()];
      const channel = 'kept:overflow';
      const { position } = await node.relais.history(channel, { limit: 0 });
      for (const publisher of [jsonPub, msgpackPub]) {
        const reply = await publisher.rawCommand((id) => publishFrame(publisher.codec, id, channel, deepData(publisher.codec, 20_000)));
        expect(errorCode(reply)).toBe(106);
      }
      await jsonPub.call('publish', { channel, data: 'after' });
      for (const sub of [jsonSub, msgpackSub]) {
        expect(await sub.call('subscribe', { channel, since: { offset: 0, epoch: position.epoch } })).toMatchObject({
          recovered: true,
          publications: [{ data: 'after', offset: 1 }],
        });
        expect(await sub.call('history', { channel })).toMatchObject({ publications: [{ data: 'after' }], offset: 1 });
      }
    });

    it('releases the channel of a subscribe whose reply could not be encoded: the retry subscribes (item 1)', async () => {
      const node = await start();
      const failures = new Set<string>();
      // A hook bug: data no encoder writes, once per connection.
      node.relais.onSubscribe(({ client }) =>
        failures.has(client.client) ? undefined : (failures.add(client.client), { data: { n: 1n } }),
      );
      const subs = [await node.json(), await node.msgpack()];
      for (const sub of subs) {
        expect(errorCode(await sub.command('subscribe', { channel: 'live:a' }))).toBe(100);
        expect(await sub.call('subscribe', { channel: 'live:a' })).toEqual({});
      }
      await node.relais.publish('live:a', 'hello');
      for (const sub of subs) expect(await sub.nextPush()).toMatchObject({ channel: 'live:a', data: 'hello' });
    });

    it('refuses a __proto__ key at publish, so MessagePack subscribers keep receiving and recovering (item 2)', async () => {
      const node = await start();
      const [jsonPub, msgpackSub, msgpackLate] = [await node.json(), await node.msgpack(), await node.msgpack()];
      const channel = 'kept:proto';
      const { epoch } = await msgpackSub.call<{ epoch: string }>('subscribe', { channel });
      const reply = await jsonPub.rawCommand(
        (id) => `{"id":${id},"method":"publish","params":{"channel":"${channel}","data":{"__proto__":{"x":1}}}}`,
      );
      expect(reply).toMatchObject({
        error: { code: 107, message: 'publish.data has the key "__proto__", which is not allowed (MessagePack refuses it)' },
      });
      await jsonPub.call('publish', { channel, data: 'end' });
      expect((await receivedUntil(msgpackSub, channel, 'end')).map((pub) => pub.data)).toEqual(['end']);
      expect(await msgpackLate.call('subscribe', { channel, since: { offset: 0, epoch } })).toMatchObject({
        recovered: true,
        publications: [{ data: 'end' }],
      });
    });

    it('refuses at publish what JSON cannot carry: binary, timestamps, NaN, 1e400, lone surrogates (item 2, both directions)', async () => {
      const node = await start();
      const [jsonSub, jsonPub, msgpackPub] = [await node.json(), await node.json(), await node.msgpack()];
      const channel = 'kept:portable';
      await jsonSub.call('subscribe', { channel });
      for (const data of [Uint8Array.from([1, 2]), { at: new Date(0) }, [Number.NaN], `x${LONE}`, { [`k${LONE}`]: 1 }]) {
        expect(errorCode(await msgpackPub.command('publish', { channel, data }))).toBe(107);
      }
      for (const data of ['[1e400]', '"x\\ud800"', '{"\\udc00":1}']) {
        expect(errorCode(await jsonPub.rawCommand((id) => publishFrame(jsonPub.codec, id, channel, data)))).toBe(107);
      }
      await jsonPub.call('publish', { channel, data: 'end' });
      expect((await receivedUntil(jsonSub, channel, 'end')).map((pub) => pub.data)).toEqual(['end']);
    });

    it('refuses lone surrogates in channels, events and idempotency keys with 107; U+FFFD channels stay apart (item 6)', async () => {
      const node = await start();
      const [lone, replacement, jsonPub, msgpackPub] = [await node.json(), await node.msgpack(), await node.json(), await node.msgpack()];
      expect(await lone.command('subscribe', { channel: `kept:${LONE}` })).toMatchObject({
        error: { code: 107, message: 'subscribe.channel must be well-formed Unicode (it holds a lone surrogate)' },
      });
      const { epoch } = await replacement.call<{ epoch: string }>('subscribe', { channel: 'kept:\ufffd' });
      for (const publisher of [jsonPub, msgpackPub]) {
        expect(errorCode(await publisher.command('publish', { channel: `kept:${LONE}`, data: 1 }))).toBe(107);
        expect(errorCode(await publisher.command('history', { channel: `kept:${LONE}` }))).toBe(107);
        expect(errorCode(await publisher.command('publish', { channel: 'kept:\ufffd', data: 1, event: LONE }))).toBe(107);
        expect(errorCode(await publisher.command('publish', { channel: 'kept:\ufffd', data: 1, idempotencyKey: LONE }))).toBe(107);
      }
      await expect(node.relais.publish(`kept:${LONE}`, 1)).rejects.toThrow('invalid channel: channel must be well-formed Unicode');
      expect(await jsonPub.call('publish', { channel: 'kept:\ufffd', data: 'end' })).toEqual({ offset: 1, epoch });
      expect((await receivedUntil(replacement, 'kept:\ufffd', 'end')).map((pub) => pub.data)).toEqual(['end']);
    });

    it('rejects relais.publish data it could not deliver, before the engine sees it', async () => {
      const node = await start();
      const sub = await node.msgpack();
      await sub.call('subscribe', { channel: 'kept:server' });
      for (const data of [nested(33), Uint8Array.from([1]), { n: Number.NaN }, JSON.parse('{"__proto__":1}') as unknown]) {
        await expect(node.relais.publish('kept:server', data)).rejects.toThrow(/^relais\.publish: data/);
      }
      expect(await node.relais.publish('kept:server', 'end')).toMatchObject({ offset: 1 });
      expect((await receivedUntil(sub, 'kept:server', 'end')).map((pub) => pub.data)).toEqual(['end']);
    });

    it('delivers whatever it acknowledges identically to JSON and MessagePack subscribers, live, from history and by recovery (property)', async () => {
      const node = await start();
      const [jsonSub, msgpackSub, jsonPub, msgpackPub] = [await node.json(), await node.msgpack(), await node.json(), await node.msgpack()];
      let run = 0;
      const property = fc.asyncProperty(fc.array(publishArb, { minLength: 1, maxLength: 6 }), async (publishes) => {
        const channel = `kept:run-${run++}`;
        const { epoch } = await jsonSub.call<{ epoch: string }>('subscribe', { channel });
        await msgpackSub.call('subscribe', { channel });
        const acked: { offset: number; data: unknown }[] = [];
        for (const { data, via } of publishes) {
          // A MessagePack frame with a __proto__ key is a protocol violation (3501): send it as JSON.
          const publisher = via === JSON_SUBPROTOCOL || hasProtoKey(data) ? jsonPub : msgpackPub;
          const sent = publisher.codec.decode(publisher.codec.encode(data))[0]; // what the node receives
          const reply = await publisher.command('publish', { channel, data });
          expect('result' in reply, `publish of ${String(publisher.codec.name)} data answered ${JSON.stringify(reply)}`).toBe(
            deliverable(sent, 32),
          );
          if ('result' in reply) acked.push({ offset: (reply.result as { offset: number }).offset, data: sent });
          else expect([106, 107]).toContain(errorCode(reply));
        }
        const end = await jsonPub.call<{ offset: number }>('publish', { channel, data: 'end' });
        const expected = [...acked, { offset: end.offset, data: 'end' }];
        for (const sub of [jsonSub, msgpackSub]) {
          const live = await receivedUntil(sub, channel, 'end');
          expect(live.map(({ offset, data }) => ({ offset, data }))).toEqual(expected);
          const history = await sub.call<{ publications: { offset: number; data: unknown }[] }>('history', { channel });
          expect(history.publications.map(({ offset, data }) => ({ offset, data }))).toEqual(expected);
          await sub.call('unsubscribe', { channel });
        }
        for (const late of [jsonPub, msgpackPub]) {
          const recovery = await late.call<{ recovered: boolean; publications: { offset: number; data: unknown }[] }>('subscribe', {
            channel,
            since: { offset: 0, epoch },
          });
          expect(recovery.recovered).toBe(true);
          expect(recovery.publications.map(({ offset, data }) => ({ offset, data }))).toEqual(expected);
          await late.call('unsubscribe', { channel });
        }
      });
      await fc.assert(property, { numRuns: options.numRuns ?? 50, seed: 20_240_601, endOnFailure: true });
    });
  });
}

import { jsonCodec, msgpackCodec, type Codec, type Frame } from '@relais/protocol';
import { describe, expect, it, vi } from 'vitest';
import { HELD_OVERFLOW, Hub, type HubMember } from './hub.js';

function countingCodec(codec: Codec): Codec & { encode: ReturnType<typeof vi.fn> } {
  return { ...codec, encode: vi.fn((value: unknown) => codec.encode(value)) };
}

function member(client: string, codec: Codec, user = ''): HubMember & { frames: Frame[] } {
  const frames: Frame[] = [];
  return { client, user, codec, frames, enqueueFrame: (frame) => frames.push(frame) };
}

describe('Hub', () => {
  it('encodes a publication once per codec whatever the number of subscribers', () => {
    const json = countingCodec(jsonCodec);
    const msgpack = countingCodec(msgpackCodec);
    const hub = new Hub();
    const members = [
      ...Array.from({ length: 50 }, (_, i) => member(`j${i}`, json)),
      ...Array.from({ length: 50 }, (_, i) => member(`m${i}`, msgpack)),
    ];
    for (const m of members) hub.subscribe('room', m);
    hub.handlePublication({ channel: 'room', data: { n: 1 } });
    expect(json.encode).toHaveBeenCalledTimes(1);
    expect(msgpack.encode).toHaveBeenCalledTimes(1);
    // The very same frame object goes to every subscriber of a codec.
    expect(new Set(members.slice(0, 50).map((m) => m.frames[0])).size).toBe(1);
  });

  it('encodes once per codec when members of several codecs alternate', () => {
    const json = countingCodec(jsonCodec);
    const msgpack = countingCodec(msgpackCodec);
    const hub = new Hub();
    const members = Array.from({ length: 40 }, (_, i) => member(`c${i}`, i % 2 === 0 ? json : msgpack));
    for (const m of members) hub.subscribe('room', m);
    hub.handlePublication({ channel: 'room', data: { n: 1 } });
    expect(json.encode).toHaveBeenCalledTimes(1);
    expect(msgpack.encode).toHaveBeenCalledTimes(1);
    expect(new Set(members.filter((_, i) => i % 2 === 0).map((m) => m.frames[0])).size).toBe(1);
    expect(new Set(members.filter((_, i) => i % 2 === 1).map((m) => m.frames[0])).size).toBe(1);
    expect(typeof members[0]?.frames[0]).toBe('string');
    expect(members[1]?.frames[0]).toBeInstanceOf(Uint8Array);
  });

  it('skips only the members of a codec that cannot encode a push, and logs it', () => {
    const error = vi.fn();
    const hub = new Hub({ logger: { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error } });
    const failing: Codec = {
      ...msgpackCodec,
      encode: () => {
        throw new RangeError('too deep');
      },
    };
    const members = [member('j1', jsonCodec), member('m1', failing), member('j2', jsonCodec), member('m2', failing)];
    for (const m of members) hub.subscribe('room', m);
    expect(hub.broadcast('room', { type: 'publication', channel: 'room', data: 1 })).toBe(2);
    expect(members.map((m) => m.frames.length)).toEqual([1, 0, 1, 0]);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ codec: 'msgpack', channel: 'room' }),
      'push cannot be encoded: not delivered to this encoding',
    );
  });

  it('holds at most maxHeld publications for a member being subscribed, then gives up on the hold', () => {
    const hub = new Hub({ maxHeld: 3 });
    const a = member('a', jsonCodec);
    const b = member('b', jsonCodec);
    hub.hold('room', a);
    for (let n = 1; n <= 3; n++) hub.handlePublication({ channel: 'room', data: n });
    hub.hold('room', b);
    hub.handlePublication({ channel: 'room', data: 4 });
    expect(hub.take('room', a)).toBe(HELD_OVERFLOW);
    expect(hub.take('room', b)).toEqual([{ channel: 'room', data: 4 }]);
    // A later hold starts afresh.
    hub.hold('room', a);
    hub.handlePublication({ channel: 'room', data: 5 });
    expect(hub.take('room', a)).toEqual([{ channel: 'room', data: 5 }]);
  });

  it('does not encode for a codec without subscribers', () => {
    const json = countingCodec(jsonCodec);
    const msgpack = countingCodec(msgpackCodec);
    const hub = new Hub();
    hub.subscribe('room', member('a', json));
    hub.subscribe('other', member('b', msgpack));
    hub.handlePublication({ channel: 'room', data: 1 });
    expect(msgpack.encode).not.toHaveBeenCalled();
  });

  it('skips the excluded client', () => {
    const hub = new Hub();
    const a = member('a', jsonCodec);
    const b = member('b', jsonCodec);
    hub.subscribe('room', a);
    hub.subscribe('room', b);
    hub.handlePublication({ channel: 'room', data: 1, excludeClient: 'a' });
    expect([a.frames.length, b.frames.length]).toEqual([0, 1]);
  });

  it('writes the publication push without undefined fields', () => {
    const hub = new Hub();
    const a = member('a', jsonCodec);
    hub.subscribe('room', a);
    hub.handlePublication({ channel: 'room', data: 1, event: 'e', info: { client: 'c', user: 'u' } });
    expect(a.frames).toEqual(['{"type":"publication","channel":"room","data":1,"event":"e","info":{"client":"c","user":"u"}}']);
  });

  it('indexes members by client id and by user', () => {
    const hub = new Hub();
    const a = member('a', jsonCodec, 'u');
    const b = member('b', jsonCodec, 'u');
    hub.add(a);
    hub.add(b);
    expect(hub.get('a')).toBe(a);
    expect(hub.ofUser('u')).toEqual([a, b]);
    hub.remove(a);
    expect(hub.get('a')).toBeUndefined();
    expect(hub.ofUser('u')).toEqual([b]);
  });
});

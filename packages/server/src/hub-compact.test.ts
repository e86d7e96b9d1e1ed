import { jsonCodec, jsonV2Codec, msgpackCodec, msgpackV2Codec, type Codec, type Frame } from '@relais/protocol';
import { describe, expect, it, vi } from 'vitest';
import { Hub, type HubMember } from './hub.js';

function countingCodec(codec: Codec): Codec & { encode: ReturnType<typeof vi.fn> } {
  return { ...codec, encode: vi.fn((value: unknown) => codec.encode(value)) };
}

function member(client: string, codec: Codec): HubMember & { frames: Frame[] } {
  const frames: Frame[] = [];
  return { client, user: '', codec, frames, enqueueFrame: (frame) => frames.push(frame) };
}

/** The frames a member got, decoded. */
const decoded = (m: { codec: Codec; frames: Frame[] }): unknown[] => m.frames.flatMap((frame) => m.codec.decode(frame));

describe('Hub: compact publications of protocol v2', () => {
  it('encodes once per codec and version: v1 members keep the v1 push, v2 members get the compact one', () => {
    const codecs = [jsonCodec, msgpackCodec, jsonV2Codec, msgpackV2Codec].map(countingCodec);
    const hub = new Hub();
    const members = codecs.flatMap((codec, c) => Array.from({ length: 10 }, (_, i) => member(`c${c}-${i}`, codec)));
    for (const m of members) hub.subscribe('chat:room-42', m);
    hub.handlePublication({ channel: 'chat:room-42', data: { text: 'hi' }, offset: 7, epoch: 'ep1' });
    for (const codec of codecs) expect(codec.encode).toHaveBeenCalledTimes(1);
    for (let c = 0; c < codecs.length; c++) {
      expect(new Set(members.slice(c * 10, c * 10 + 10).map((m) => m.frames[0])).size).toBe(1);
    }
    const v1 = { type: 'publication', channel: 'chat:room-42', data: { text: 'hi' }, offset: 7, epoch: 'ep1' };
    expect(members[0]?.frames[0]).toBe(JSON.stringify(v1));
    expect(decoded(members[10]!)).toEqual([v1]);
    expect(members[20]?.frames[0]).toBe('{"c":"chat:room-42","o":7,"ep":"ep1","d":{"text":"hi"}}');
    expect(decoded(members[30]!)).toEqual([{ c: 'chat:room-42', o: 7, ep: 'ep1', d: { text: 'hi' } }]);
  });

  it('writes the epoch on the first publication after a subscribe and when it changes, never in between', () => {
    const hub = new Hub();
    const a = member('a', jsonV2Codec);
    hub.subscribe('room', a);
    hub.handlePublication({ channel: 'room', data: 1, offset: 1, epoch: 'e1' });
    hub.handlePublication({ channel: 'room', data: 2, offset: 2, epoch: 'e1' });
    const b = member('b', jsonV2Codec);
    hub.subscribe('room', b);
    hub.handlePublication({ channel: 'room', data: 3, offset: 3, epoch: 'e1' });
    hub.handlePublication({ channel: 'room', data: 4, offset: 4, epoch: 'e1' });
    hub.handlePublication({ channel: 'room', data: 5, offset: 1, epoch: 'e2' });
    hub.handlePublication({ channel: 'room', data: 6, offset: 2, epoch: 'e2' });
    hub.handlePublication({ channel: 'room', data: 7 }); // ephemeral: no offset, no epoch
    hub.handlePublication({ channel: 'room', data: 8, offset: 3, epoch: 'e2' });
    expect(a.frames).toEqual([
      '{"c":"room","o":1,"ep":"e1","d":1}',
      '{"c":"room","o":2,"d":2}',
      '{"c":"room","o":3,"ep":"e1","d":3}', // b just subscribed: its reply may have told another epoch
      '{"c":"room","o":4,"d":4}',
      '{"c":"room","o":1,"ep":"e2","d":5}',
      '{"c":"room","o":2,"d":6}',
      '{"c":"room","d":7}',
      '{"c":"room","o":3,"d":8}',
    ]);
    expect(b.frames).toEqual(a.frames.slice(2));
  });

  it('writes the epoch again after an epoch change that skipped a connection (excludeSelf)', () => {
    const hub = new Hub();
    const a = member('a', jsonV2Codec);
    const b = member('b', jsonV2Codec);
    hub.subscribe('room', a);
    hub.subscribe('room', b);
    hub.handlePublication({ channel: 'room', data: 1, offset: 9, epoch: 'e1' });
    hub.handlePublication({ channel: 'room', data: 2, offset: 1, epoch: 'e2', excludeClient: 'b' });
    hub.handlePublication({ channel: 'room', data: 3, offset: 2, epoch: 'e2' });
    hub.handlePublication({ channel: 'room', data: 4, offset: 3, epoch: 'e2', excludeClient: 'b' });
    hub.handlePublication({ channel: 'room', data: 5, offset: 4, epoch: 'e2' });
    expect(b.frames).toEqual(['{"c":"room","o":9,"ep":"e1","d":1}', '{"c":"room","o":2,"ep":"e2","d":3}', '{"c":"room","o":4,"d":5}']);
    expect(a.frames).toHaveLength(5);
  });

  it('forgets a channel epoch when its last subscriber leaves', () => {
    const hub = new Hub();
    const a = member('a', jsonV2Codec);
    hub.subscribe('room', a);
    hub.handlePublication({ channel: 'room', data: 1, offset: 1, epoch: 'e1' });
    hub.unsubscribe('room', a);
    hub.handlePublication({ channel: 'room', data: 2, offset: 2, epoch: 'e1' });
    hub.subscribe('room', a);
    hub.handlePublication({ channel: 'room', data: 3, offset: 3, epoch: 'e1' });
    expect(a.frames).toEqual(['{"c":"room","o":1,"ep":"e1","d":1}', '{"c":"room","o":3,"ep":"e1","d":3}']);
  });

  it('keeps publisher info and event in the compact push', () => {
    const hub = new Hub();
    const a = member('a', jsonV2Codec);
    hub.subscribe('room', a);
    hub.handlePublication({ channel: 'room', data: 'x', event: 'typing', info: { client: 'c-1', user: 'u' } });
    expect(a.frames).toEqual(['{"c":"room","e":"typing","i":{"client":"c-1","user":"u"},"d":"x"}']);
  });

  it('sends pushes other than the fan-out of a publication in the v1 shape to v2 members', () => {
    const hub = new Hub();
    const a = member('a', jsonV2Codec);
    hub.subscribe('room', a);
    hub.broadcast('room', { type: 'publication', channel: 'room', data: 1, offset: 1, epoch: 'e1' });
    hub.fanOut([a], { type: 'join', channel: 'room', info: { client: 'c-2', user: '' } });
    expect(a.frames).toEqual([
      '{"type":"publication","channel":"room","data":1,"offset":1,"epoch":"e1"}',
      '{"type":"join","channel":"room","info":{"client":"c-2","user":""}}',
    ]);
  });
});

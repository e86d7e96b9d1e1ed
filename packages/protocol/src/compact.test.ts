import { describe, expect, it } from 'vitest';
import { compactPublication, expandPublication } from './compact.js';
import { ProtocolError } from './errors.js';
import type { PublicationPush } from './frames.js';
import { jsonCodec, jsonV2Codec } from './json-codec.js';
import { msgpackCodec, msgpackV2Codec } from './msgpack-codec.js';
import { parseServerFrame } from './parse.js';

const utf8 = (text: string): number => new TextEncoder().encode(text).byteLength;

/** A payload whose JSON is exactly `bytes` long, shaped like the bench's (`{"s":…,"t":…,"x":"…"}`). */
function payloadOf(bytes: number): { s: number; t: number; x: string } {
  const base = { s: 1234, t: 98765.4321, x: '' };
  return { ...base, x: 'x'.repeat(bytes - utf8(JSON.stringify(base))) };
}

const full: PublicationPush = {
  type: 'publication',
  channel: 'chat:room-1',
  data: { text: 'hi' },
  event: 'message',
  offset: 42,
  epoch: 'a1b2',
  info: { client: 'c-7f3a', user: '42', info: { name: 'Ada' } },
};

describe('compactPublication', () => {
  it('writes the golden frame of docs/protocol.md §16, epoch left out', () => {
    const push: PublicationPush = { type: 'publication', channel: 'chat:room-42', data: { text: 'hi' }, offset: 42, epoch: 'a1b2' };
    expect(jsonV2Codec.encode(compactPublication(push, false))).toBe('{"c":"chat:room-42","o":42,"d":{"text":"hi"}}');
  });

  it('writes the epoch, event and publisher when asked and present', () => {
    expect(jsonV2Codec.encode(compactPublication(full, true))).toBe(
      '{"c":"chat:room-1","o":42,"ep":"a1b2","e":"message","i":{"client":"c-7f3a","user":"42","info":{"name":"Ada"}},"d":{"text":"hi"}}',
    );
  });

  it('writes an ephemeral publication (no offset, no epoch) as channel and data', () => {
    expect(jsonV2Codec.encode(compactPublication({ type: 'publication', channel: 'news', data: 'hello' }, true))).toBe(
      '{"c":"news","d":"hello"}',
    );
  });

  it('keeps a JSON frame of a 101-byte payload on chat:room-42 within payload + 40 bytes', () => {
    const data = payloadOf(101);
    expect(utf8(JSON.stringify(data))).toBe(101);
    // A large offset: the frame grows by one byte per digit, and stays within the bound up to ten.
    const push: PublicationPush = { type: 'publication', channel: 'chat:room-42', data, offset: 1_234_567_890, epoch: 'Xk3_a9Qz' };
    const compact = utf8(jsonV2Codec.encode(compactPublication(push, false)) as string);
    expect(compact).toBeLessThanOrEqual(101 + 40);
    expect(compact).toBe(101 + 40);
    // The same publication in the v1 shape, for comparison (what v1 connections still get).
    expect(utf8(jsonCodec.encode(push) as string)).toBe(101 + 94);
  });

  it('shrinks the MessagePack frame the same way', () => {
    const data = payloadOf(101);
    const push: PublicationPush = { type: 'publication', channel: 'chat:room-42', data, offset: 42, epoch: 'Xk3_a9Qz' };
    const compact = (msgpackV2Codec.encode(compactPublication(push, false)) as Uint8Array).byteLength;
    const v1 = (msgpackCodec.encode(push) as Uint8Array).byteLength;
    const dataBytes = (msgpackCodec.encode(data) as Uint8Array).byteLength;
    expect(compact - dataBytes).toBe(21);
    expect(v1 - dataBytes).toBe(67);
  });
});

describe('expandPublication', () => {
  it('gives back the publication push, with the epoch when it was written', () => {
    const [value] = jsonV2Codec.decode(jsonV2Codec.encode(compactPublication(full, true)));
    expect(expandPublication(value as Record<string, unknown>)).toEqual(full);
  });

  it('leaves the epoch out when the frame had none', () => {
    const [value] = msgpackV2Codec.decode(msgpackV2Codec.encode(compactPublication(full, false)));
    const { epoch: _epoch, ...withoutEpoch } = full;
    expect(expandPublication(value as Record<string, unknown>)).toEqual(withoutEpoch);
  });

  it('ignores unknown keys, as with every server frame', () => {
    expect(expandPublication({ c: 'news', d: null, z: 1 })).toEqual({ type: 'publication', channel: 'news', data: null });
  });

  it.each([
    [{ c: 1, d: 1 }, 'compact publication must carry a channel (c)'],
    [{ c: 'news' }, 'compact publication must carry data (d)'],
    [{ c: 'news', d: 1, o: -1 }, 'compact publication offset (o) must be a non-negative integer'],
    [{ c: 'news', d: 1, o: 1.5 }, 'compact publication offset (o) must be a non-negative integer'],
    [{ c: 'news', d: 1, o: 1, ep: 7 }, 'compact publication epoch (ep) must be a string'],
    [{ c: 'news', d: 1, e: ['message'] }, 'compact publication event (e) must be a string'],
    [{ c: 'news', d: 1, i: { client: 'c-1' } }, 'compact publication info (i) must be {client, user, info?}'],
  ])('refuses %j: %s', (value, message) => {
    expect(() => expandPublication(value)).toThrow(new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', message));
  });
});

describe('parseServerFrame with compact publications', () => {
  it('reads a compact publication as a publication push', () => {
    expect(parseServerFrame({ c: 'chat:room-42', o: 42, d: { text: 'hi' } })).toEqual({
      type: 'publication',
      channel: 'chat:room-42',
      offset: 42,
      data: { text: 'hi' },
    });
  });

  it('still reads v1 pushes and replies, and refuses a value that is none of them', () => {
    expect(parseServerFrame({ type: 'publication', channel: 'news', data: 1, epoch: 'e' })).toEqual({
      type: 'publication',
      channel: 'news',
      data: 1,
      epoch: 'e',
    });
    expect(parseServerFrame({ id: 1, result: {} })).toEqual({ id: 1, result: {} });
    expect(() => parseServerFrame({ d: 1 })).toThrow('push must carry a type');
  });
});

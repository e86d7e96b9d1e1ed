import { describe, expect, it } from 'vitest';
import { decodeBinary, decodeText, encodeMessage, PhoenixFrameError } from './phoenix-message.js';

/** A user broadcast push as realtime-js 2.x builds it (kind 3, JSON encoding). */
function userBroadcastPush(
  joinRef: string,
  ref: string,
  topic: string,
  event: string,
  metadata: string,
  payload: string,
  encoding = 1,
): Uint8Array {
  const strings = [joinRef, ref, topic, event, metadata].map((text) => new TextEncoder().encode(text));
  const header = [3, ...strings.map((bytes) => bytes.length), encoding];
  const body = new TextEncoder().encode(payload);
  const out = new Uint8Array(header.length + strings.reduce((sum, bytes) => sum + bytes.length, 0) + body.length);
  out.set(header, 0);
  let offset = header.length;
  for (const bytes of [...strings, body]) {
    out.set(bytes, offset);
    offset += bytes.length;
  }
  return out;
}

describe('phoenix-message', () => {
  it('decodes 2.0.0 arrays and 1.0.0 objects', () => {
    const expected = { join_ref: '1', ref: '2', topic: 'realtime:room', event: 'phx_join', payload: { config: {} } };
    expect(decodeText('["1","2","realtime:room","phx_join",{"config":{}}]', '2.0.0')).toEqual(expected);
    expect(decodeText('{"join_ref":"1","ref":"2","topic":"realtime:room","event":"phx_join","payload":{"config":{}}}', '1.0.0')).toEqual(
      expected,
    );
    expect(decodeText('{"ref":"9","topic":"phoenix","event":"heartbeat","payload":{}}', '1.0.0')).toEqual({
      join_ref: null,
      ref: '9',
      topic: 'phoenix',
      event: 'heartbeat',
      payload: {},
    });
  });

  it('encodes each version as its client decodes it', () => {
    const message = {
      join_ref: '1',
      ref: null,
      topic: 'realtime:room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'e', payload: 1 },
    };
    expect(encodeMessage(message, '2.0.0')).toBe('["1",null,"realtime:room","broadcast",{"type":"broadcast","event":"e","payload":1}]');
    expect(JSON.parse(encodeMessage(message, '1.0.0'))).toEqual(message);
  });

  it.each([
    ['not json', '2.0.0', 'frame is not valid JSON'],
    ['{"topic":"x"}', '2.0.0', 'a 2.0.0 frame is an array of 5 elements'],
    ['[null,null,"x","e"]', '2.0.0', 'a 2.0.0 frame is an array of 5 elements'],
    ['[null,null,"","e",{}]', '2.0.0', 'topic must be a non-empty string'],
    ['[null,null,"x",7,{}]', '2.0.0', 'event must be a non-empty string'],
    ['[null,null,"x","e",[]]', '2.0.0', 'payload must be a JSON object'],
    ['[1,null,"x","e",{}]', '2.0.0', 'join_ref must be a string or null'],
    ['["a","b","x","e",{}]', '1.0.0', 'a 1.0.0 frame is a JSON object'],
  ] as const)('refuses %s (%s)', (text, vsn, message) => {
    expect(() => decodeText(text, vsn)).toThrow(new PhoenixFrameError(message));
  });

  it('decodes the binary user broadcast push realtime-js sends', () => {
    expect(decodeBinary(userBroadcastPush('1', '3', 'realtime:room', 'cursor', '', '{"x":1}'))).toEqual({
      join_ref: '1',
      ref: '3',
      topic: 'realtime:room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'cursor', payload: { x: 1 } },
    });
    expect(decodeBinary(userBroadcastPush('', '', 'realtime:room', 'e', '{"id":"m1"}', '"hi"'))).toMatchObject({
      join_ref: null,
      ref: null,
      payload: { id: 'm1', type: 'broadcast', event: 'e', payload: 'hi' },
    });
  });

  it.each([
    ['a short header', new Uint8Array([3, 0, 0])],
    ['another kind', new Uint8Array([4, 0, 0, 0, 0, 0, 1])],
    ['lengths past the end', new Uint8Array([3, 0, 0, 9, 1, 0, 1, 65])],
    ['an unknown encoding', new Uint8Array([3, 0, 0, 1, 1, 0, 7, 65, 66])],
    ['raw binary payloads', userBroadcastPush('', '', 't', 'e', '', 'xx', 0)],
    ['a payload that is not JSON', userBroadcastPush('', '', 't', 'e', '', '{')],
    ['metadata that is not an object', userBroadcastPush('', '', 't', 'e', '[1]', '1')],
    ['no event', userBroadcastPush('', '', 't', '', '', '1')],
  ])('refuses a binary frame with %s', (_, bytes) => {
    expect(() => decodeBinary(bytes)).toThrow(PhoenixFrameError);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeFramePacket, decodePayload, decodeTextPacket, encodeFramePacket, encodePayload, EngineProtocolError } from './packet.js';

describe('Engine.IO packets', () => {
  it('encodes text packets with their type digit', () => {
    expect(encodePayload([{ type: 'open', data: '{"sid":"x"}' }])).toBe('0{"sid":"x"}');
    expect(encodePayload([{ type: 'ping' }, { type: 'message', data: 'hello' }, { type: 'noop' }])).toBe('2\x1e4hello\x1e6');
  });

  it('encodes binary messages as b<base64> in payloads and raw bytes in frames', () => {
    const bytes = Buffer.from([1, 2, 3, 4]);
    expect(
      encodePayload([
        { type: 'message', data: 'hello' },
        { type: 'message', data: bytes },
      ]),
    ).toBe('4hello\x1ebAQIDBA==');
    expect(encodeFramePacket({ type: 'message', data: bytes })).toBe(bytes);
    expect(encodeFramePacket({ type: 'pong', data: 'probe' })).toBe('3probe');
  });

  it('decodes payloads of text and binary packets', () => {
    expect(decodePayload('4test1\x1e4test2\x1ebAQIDBA==\x1e3')).toEqual([
      { type: 'message', data: 'test1' },
      { type: 'message', data: 'test2' },
      { type: 'message', data: Buffer.from([1, 2, 3, 4]) },
      { type: 'pong' },
    ]);
    expect(decodeTextPacket('4')).toEqual({ type: 'message', data: '' });
    expect(decodeFramePacket(Buffer.from([9]))).toEqual({ type: 'message', data: Buffer.from([9]) });
  });

  it.each(['', 'abc', '7', '9x', 'b!!!', 'bAQI'])('refuses the malformed packet %j', (text) => {
    expect(() => decodeTextPacket(text)).toThrow(EngineProtocolError);
  });

  it('refuses a payload with one malformed packet among good ones', () => {
    expect(() => decodePayload('4ok\x1ezz')).toThrow(EngineProtocolError);
  });
});

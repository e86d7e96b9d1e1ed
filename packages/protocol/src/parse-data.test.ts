import { describe, expect, it } from 'vitest';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';
import { parseCommand, type ParseOptions } from './parse.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

function parse(frame: string | Uint8Array, options?: ParseOptions) {
  const codec = typeof frame === 'string' ? jsonCodec : msgpackCodec;
  const outcome = parseCommand(codec.decode(frame)[0], options);
  return outcome.ok ? outcome : { ok: false, id: outcome.id, error: outcome.error.toJSON() };
}

const refused = (code: number, message: string) => ({ ok: false, id: 9, error: { code, message, temporary: false } });
const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('parseCommand: data and strings', () => {
  describe('publication data must be portable', () => {
    it.each([
      [
        '{"id":9,"method":"publish","params":{"channel":"a","data":{"__proto__":{"x":1}}}}',
        'publish.data has the key "__proto__", which is not allowed (MessagePack refuses it)',
      ],
      ['{"id":9,"method":"publish","params":{"channel":"a","data":[1e400]}}', 'publish.data[0] is Infinity, which JSON cannot carry'],
      [
        '{"id":9,"method":"publish","params":{"channel":"a","data":{"t":"\\ud800"}}}',
        'publish.data.t is not well-formed Unicode (it holds a lone surrogate)',
      ],
      [
        '{"id":9,"method":"publish","params":{"channel":"a","data":{"\\udfff":1}}}',
        'publish.data has a key that is not well-formed Unicode (it holds a lone surrogate)',
      ],
    ])('answers JSON %s with 107', (frame, message) => {
      expect(parse(frame)).toEqual(refused(107, message));
    });

    it('answers MessagePack binary and timestamps with 107', () => {
      // {"id":9,"method":"publish","params":{"channel":"files","data":<bin de ad>}}
      expect(
        parse(bytes('83a2696409a66d6574686f64a77075626c697368a6706172616d7382a76368616e6e656ca566696c6573a464617461c402dead')),
      ).toEqual(refused(107, 'publish.data is binary data, which JSON cannot carry'));
      // {"id":9,"method":"publish","params":{"channel":"a","data":{"t":<timestamp 1 s>}}}
      expect(
        parse(bytes('83a2696409a66d6574686f64a77075626c697368a6706172616d7382a76368616e6e656ca161a46461746181a174d6ff00000001')),
      ).toEqual(refused(107, 'publish.data.t is a timestamp (Date), which JSON cannot carry'));
    });

    it('accepts -0 and plain data of the largest depth', () => {
      expect(parse(`{"id":9,"method":"publish","params":{"channel":"a","data":${deep(32)}}}`, { maxDataDepth: 32 })).toMatchObject({
        ok: true,
      });
      expect(parse('{"id":9,"method":"publish","params":{"channel":"a","data":[-0,{"a":null}]}}')).toMatchObject({ ok: true });
    });
  });

  describe('every data is bounded in depth', () => {
    it.each([
      ['connect', '{"id":9,"method":"connect","params":{"data":DATA}}'],
      ['subscribe', '{"id":9,"method":"subscribe","params":{"channel":"a","data":DATA}}'],
      ['publish', '{"id":9,"method":"publish","params":{"channel":"a","data":DATA}}'],
      ['rpc', '{"id":9,"method":"rpc","params":{"method":"m","data":DATA}}'],
      ['send', '{"id":9,"method":"send","params":{"data":DATA}}'],
    ])('answers %s data deeper than maxDataDepth with 106', (method, frame) => {
      expect(parse(frame.replace('DATA', deep(4)), { maxDataDepth: 4 })).toMatchObject({ ok: true });
      expect(parse(frame.replace('DATA', deep(5)), { maxDataDepth: 4 })).toEqual(
        refused(106, `${method}.data is nested deeper than 4 levels`),
      );
      // 40 KB of "[": the walk is iterative, JSON.stringify would have overflowed the stack.
      expect(parse(frame.replace('DATA', deep(20_000)))).toEqual(refused(106, `${method}.data is nested deeper than 64 levels`));
    });

    it('keeps binary, NaN and lone surrogates in data that only reaches hooks, never __proto__', () => {
      expect(parse('{"id":9,"method":"rpc","params":{"method":"m","data":[1e400,"\\ud800"]}}')).toMatchObject({ ok: true });
      expect(parse('{"id":9,"method":"send","params":{"data":{"a":{"__proto__":1}}}}')).toEqual(
        refused(107, 'send.data.a has the key "__proto__", which is not allowed (MessagePack refuses it)'),
      );
    });
  });

  describe('protocol strings must be well-formed Unicode', () => {
    const LONE = '\\ud800';
    it.each([
      [
        `{"id":9,"method":"subscribe","params":{"channel":"x:${LONE}"}}`,
        'subscribe.channel must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [
        `{"id":9,"method":"publish","params":{"channel":"x:${LONE}","data":1}}`,
        'publish.channel must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [
        `{"id":9,"method":"history","params":{"channel":"\\udc00"}}`,
        'history.channel must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [
        `{"id":9,"method":"publish","params":{"channel":"a","data":1,"event":"${LONE}"}}`,
        'publish.event must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [
        `{"id":9,"method":"publish","params":{"channel":"a","data":1,"idempotencyKey":"k${LONE}"}}`,
        'publish.idempotencyKey must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [`{"id":9,"method":"rpc","params":{"method":"m${LONE}"}}`, 'rpc.method must be well-formed Unicode (it holds a lone surrogate)'],
      [
        `{"id":9,"method":"connect","params":{"token":"t${LONE}"}}`,
        'connect.token must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [`{"id":9,"method":"connect","params":{"name":"${LONE}"}}`, 'connect.name must be well-formed Unicode (it holds a lone surrogate)'],
      [
        `{"id":9,"method":"connect","params":{"version":"${LONE}"}}`,
        'connect.version must be well-formed Unicode (it holds a lone surrogate)',
      ],
      [`{"id":9,"method":"refresh","params":{"token":"${LONE}"}}`, 'refresh.token must be well-formed Unicode (it holds a lone surrogate)'],
      [
        `{"id":9,"method":"subscribe","params":{"channel":"a","since":{"offset":1,"epoch":"${LONE}"}}}`,
        'subscribe.since.epoch must be well-formed Unicode (it holds a lone surrogate)',
      ],
    ])('answers %s with 107', (frame, message) => {
      expect(parse(frame)).toEqual(refused(107, message));
    });

    it('refuses a lone surrogate written as WTF-8 in MessagePack, and accepts U+FFFD', () => {
      // {"id":9,"method":"subscribe","params":{"channel":"x:<ed a0 80>"}}
      expect(parse(bytes('83a2696409a66d6574686f64a9737562736372696265a6706172616d7381a76368616e6e656ca5783aeda080'))).toEqual(
        refused(107, 'subscribe.channel must be well-formed Unicode (it holds a lone surrogate)'),
      );
      expect(parse('{"id":9,"method":"subscribe","params":{"channel":"x:\\ufffd"}}')).toMatchObject({ ok: true });
    });
  });
});

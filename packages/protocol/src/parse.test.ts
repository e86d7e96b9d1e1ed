import { describe, expect, it } from 'vitest';
import { ProtocolError, ReplyError } from './errors.js';
import type { Command } from './frames.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';
import { parseCommand } from './parse.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** Decodes one literal frame and parses it; a ReplyError outcome is flattened to its wire shape. */
function parse(frame: string | Uint8Array) {
  const codec = typeof frame === 'string' ? jsonCodec : msgpackCodec;
  const values = codec.decode(frame);
  expect(values).toHaveLength(1);
  const outcome = parseCommand(values[0]);
  return outcome.ok ? outcome : { ok: false, id: outcome.id, error: outcome.error.toJSON() };
}

function envelopeError(frame: string | Uint8Array): ProtocolError {
  try {
    parse(frame);
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('parseCommand did not throw');
}

const bad = (id: number, message: string) => ({ ok: false, id, error: { code: 107, message, temporary: false } });

describe('parseCommand', () => {
  describe('commands from literal frames', () => {
    const COMMANDS: { name: string; json: string; msgpack: string; command: Command }[] = [
      {
        name: 'connect with every field',
        json: '{"id":1,"method":"connect","params":{"token":"eyJhbGciOiJIUzI1NiJ9.e30.sig","name":"relais-js","version":"0.1.0","data":{"locale":"fr"}}}',
        msgpack:
          '83a2696401a66d6574686f64a7636f6e6e656374a6706172616d7384a5746f6b656ebc65794a68624763694f694a49557a49314e694a392e6533302e736967a46e616d65a972656c6169732d6a73a776657273696f6ea5302e312e30a46461746181a66c6f63616c65a26672',
        command: {
          id: 1,
          method: 'connect',
          params: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig', name: 'relais-js', version: '0.1.0', data: { locale: 'fr' } },
        },
      },
      {
        name: 'connect without params',
        json: '{"id":1,"method":"connect"}',
        msgpack: '82a2696401a66d6574686f64a7636f6e6e656374',
        command: { id: 1, method: 'connect', params: {} },
      },
      {
        name: 'subscribe with recovery and join/leave',
        json: '{"id":2,"method":"subscribe","params":{"channel":"chat:room-1","since":{"offset":41,"epoch":"a1b2"},"joinLeave":true}}',
        msgpack:
          '83a2696402a66d6574686f64a9737562736372696265a6706172616d7383a76368616e6e656cab636861743a726f6f6d2d31a573696e636582a66f666673657429a565706f6368a461316232a96a6f696e4c65617665c3',
        command: {
          id: 2,
          method: 'subscribe',
          params: { channel: 'chat:room-1', since: { offset: 41, epoch: 'a1b2' }, joinLeave: true },
        },
      },
      {
        name: 'subscribe with recovery that the client can page',
        json: '{"id":2,"method":"subscribe","params":{"channel":"chat:room-1","since":{"offset":41,"epoch":"a1b2"},"paged":true}}',
        msgpack:
          '83a2696402a66d6574686f64a9737562736372696265a6706172616d7383a76368616e6e656cab636861743a726f6f6d2d31a573696e636582a66f666673657429a565706f6368a461316232a57061676564c3',
        command: {
          id: 2,
          method: 'subscribe',
          params: { channel: 'chat:room-1', since: { offset: 41, epoch: 'a1b2' }, paged: true },
        },
      },
      {
        name: 'unsubscribe',
        json: '{"id":3,"method":"unsubscribe","params":{"channel":"chat:room-1"}}',
        msgpack: '83a2696403a66d6574686f64ab756e737562736372696265a6706172616d7381a76368616e6e656cab636861743a726f6f6d2d31',
        command: { id: 3, method: 'unsubscribe', params: { channel: 'chat:room-1' } },
      },
      {
        name: 'publish with every field',
        json: '{"id":4,"method":"publish","params":{"channel":"chat:room-1","data":{"text":"hi"},"event":"message","idempotencyKey":"k-1","excludeSelf":true}}',
        msgpack:
          '83a2696404a66d6574686f64a77075626c697368a6706172616d7385a76368616e6e656cab636861743a726f6f6d2d31a46461746181a474657874a26869a56576656e74a76d657373616765ae6964656d706f74656e63794b6579a36b2d31ab6578636c75646553656c66c3',
        command: {
          id: 4,
          method: 'publish',
          params: { channel: 'chat:room-1', data: { text: 'hi' }, event: 'message', idempotencyKey: 'k-1', excludeSelf: true },
        },
      },
      {
        name: 'rpc',
        json: '{"id":5,"method":"rpc","params":{"method":"getUser","data":{"id":7}}}',
        msgpack: '83a2696405a66d6574686f64a3727063a6706172616d7382a66d6574686f64a767657455736572a46461746181a2696407',
        command: { id: 5, method: 'rpc', params: { method: 'getUser', data: { id: 7 } } },
      },
      {
        name: 'send',
        json: '{"id":6,"method":"send","params":{"data":"hello"}}',
        msgpack: '83a2696406a66d6574686f64a473656e64a6706172616d7381a464617461a568656c6c6f',
        command: { id: 6, method: 'send', params: { data: 'hello' } },
      },
      {
        name: 'ping without params',
        json: '{"id":7,"method":"ping"}',
        msgpack: '82a2696407a66d6574686f64a470696e67',
        command: { id: 7, method: 'ping', params: {} },
      },
      {
        name: 'ping with empty params',
        json: '{"id":8,"method":"ping","params":{}}',
        msgpack: '83a2696408a66d6574686f64a470696e67a6706172616d7380',
        command: { id: 8, method: 'ping', params: {} },
      },
      {
        name: 'refresh',
        json: '{"id":10,"method":"refresh","params":{"token":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}}',
        msgpack:
          '83a269640aa66d6574686f64a772656672657368a6706172616d7381a5746f6b656ebc65794a68624763694f694a49557a49314e694a392e6533302e736967',
        command: { id: 10, method: 'refresh', params: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' } },
      },
      {
        name: 'sub_refresh',
        json: '{"id":11,"method":"sub_refresh","params":{"channel":"secret:plans","token":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}}',
        msgpack:
          '83a269640ba66d6574686f64ab7375625f72656672657368a6706172616d7382a76368616e6e656cac7365637265743a706c616e73a5746f6b656ebc65794a68624763694f694a49557a49314e694a392e6533302e736967',
        command: { id: 11, method: 'sub_refresh', params: { channel: 'secret:plans', token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' } },
      },
      {
        name: 'history with every field',
        json: '{"id":10,"method":"history","params":{"channel":"chat:room-1","limit":10,"since":{"offset":5,"epoch":"e1"},"reverse":true}}',
        msgpack:
          '83a269640aa66d6574686f64a7686973746f7279a6706172616d7384a76368616e6e656cab636861743a726f6f6d2d31a56c696d69740aa573696e636582a66f666673657405a565706f6368a26531a772657665727365c3',
        command: {
          id: 10,
          method: 'history',
          params: { channel: 'chat:room-1', limit: 10, since: { offset: 5, epoch: 'e1' }, reverse: true },
        },
      },
      {
        name: 'resume',
        json: '{"id":13,"method":"resume","params":{"channel":"chat:room-1","since":{"offset":5,"epoch":"e1"}}}',
        msgpack:
          '83a269640da66d6574686f64a6726573756d65a6706172616d7382a76368616e6e656cab636861743a726f6f6d2d31a573696e636582a66f666673657405a565706f6368a26531',
        command: { id: 13, method: 'resume', params: { channel: 'chat:room-1', since: { offset: 5, epoch: 'e1' } } },
      },
      {
        name: 'presence',
        json: '{"id":11,"method":"presence","params":{"channel":"chat:room-1"}}',
        msgpack: '83a269640ba66d6574686f64a870726573656e6365a6706172616d7381a76368616e6e656cab636861743a726f6f6d2d31',
        command: { id: 11, method: 'presence', params: { channel: 'chat:room-1' } },
      },
      {
        name: 'presence_stats',
        json: '{"id":12,"method":"presence_stats","params":{"channel":"chat:room-1"}}',
        msgpack: '83a269640ca66d6574686f64ae70726573656e63655f7374617473a6706172616d7381a76368616e6e656cab636861743a726f6f6d2d31',
        command: { id: 12, method: 'presence_stats', params: { channel: 'chat:room-1' } },
      },
      {
        name: 'an ephemeral publish',
        json: '{"id":13,"method":"publish","params":{"channel":"chat:room-1","data":{"typing":true},"event":"typing","ephemeral":true}}',
        msgpack:
          '83a269640da66d6574686f64a77075626c697368a6706172616d7384a76368616e6e656cab636861743a726f6f6d2d31a46461746181a6747970696e67c3a56576656e74a6747970696e67a9657068656d6572616cc3',
        command: {
          id: 13,
          method: 'publish',
          params: { channel: 'chat:room-1', data: { typing: true }, event: 'typing', ephemeral: true },
        },
      },
    ];

    it.each(COMMANDS)('parses $name from a JSON frame', ({ json, command }) => {
      expect(parse(json)).toEqual({ ok: true, command });
    });

    it.each(COMMANDS)('parses $name from a MessagePack frame', ({ msgpack, command }) => {
      expect(parse(bytes(msgpack))).toEqual({ ok: true, command });
    });

    it.each(COMMANDS)('encodes $name back to the same literal frames', ({ json, msgpack }) => {
      const [value] = jsonCodec.decode(json);
      expect(jsonCodec.encode(value)).toBe(json);
      expect(Buffer.from(msgpackCodec.encode(value)).toString('hex')).toBe(msgpack);
    });

    it('covers every v1 method', () => {
      expect(new Set(COMMANDS.map(({ command }) => command.method))).toEqual(
        new Set([
          'connect',
          'subscribe',
          'unsubscribe',
          'publish',
          'rpc',
          'send',
          'ping',
          'refresh',
          'sub_refresh',
          'history',
          'resume',
          'presence',
          'presence_stats',
        ]),
      );
    });

    it('keeps binary data from MessagePack as bytes where it only reaches hooks', () => {
      // {"id":4,"method":"send","params":{"data":<bin de ad>}}
      const frame = bytes('83a2696404a66d6574686f64a473656e64a6706172616d7381a464617461c402dead');
      expect(parse(frame)).toEqual({
        ok: true,
        command: { id: 4, method: 'send', params: { data: Uint8Array.from([0xde, 0xad]) } },
      });
    });

    it('parses each command of a batch on its own', () => {
      const values = jsonCodec.decode('{"id":1,"method":"ping"}\n{"id":2,"method":"nope"}\n{"id":3,"method":"ping"}');
      expect(values.map((value) => parseCommand(value).ok)).toEqual([true, false, true]);
    });

    it('accepts the largest safe id and publish data that is null', () => {
      expect(parse('{"id":9007199254740991,"method":"ping"}')).toEqual({
        ok: true,
        command: { id: 9007199254740991, method: 'ping', params: {} },
      });
      expect(parse('{"id":1,"method":"publish","params":{"channel":"a","data":null}}')).toMatchObject({ ok: true });
    });

    it('accepts a 255-character channel, non-ASCII channels and a 64-character idempotency key', () => {
      expect(parse(`{"id":1,"method":"subscribe","params":{"channel":"${'a'.repeat(255)}"}}`)).toMatchObject({ ok: true });
      expect(parse('{"id":1,"method":"subscribe","params":{"channel":"café:salle-1"}}')).toMatchObject({ ok: true });
      expect(parse(`{"id":1,"method":"publish","params":{"channel":"a","data":1,"idempotencyKey":"${'k'.repeat(64)}"}}`)).toMatchObject({
        ok: true,
      });
      expect(parse(`{"id":1,"method":"rpc","params":{"method":"m","idempotencyKey":"${'k'.repeat(64)}"}}`)).toMatchObject({
        ok: true,
        command: { params: { method: 'm', idempotencyKey: 'k'.repeat(64) } },
      });
    });
  });

  describe('frames without a usable envelope', () => {
    it.each([
      ['an array', '[{"id":1,"method":"ping"}]'],
      ['a number', '42'],
      ['null', 'null'],
      ['a string', '"ping"'],
      ['a boolean', 'true'],
    ])('rejects %s as a command', (_, frame) => {
      const error = envelopeError(frame);
      expect(error.code).toBe('PROTO_ERR_INVALID_ENVELOPE');
      expect(error.message).toBe('command must be an object');
    });

    it.each([
      ['a missing id', '{"method":"ping"}'],
      ['id 0', '{"id":0,"method":"ping"}'],
      ['a negative id', '{"id":-1,"method":"ping"}'],
      ['a float id', '{"id":1.5,"method":"ping"}'],
      ['a string id', '{"id":"1","method":"ping"}'],
      ['a null id', '{"id":null,"method":"ping"}'],
      ['an id above MAX_SAFE_INTEGER', '{"id":9007199254740992,"method":"ping"}'],
      ['an id in exponent notation above MAX_SAFE_INTEGER', '{"id":1e300,"method":"ping"}'],
    ])('rejects %s', (_, frame) => {
      const error = envelopeError(frame);
      expect(error.code).toBe('PROTO_ERR_INVALID_ID');
      expect(error.message).toBe('command id must be a positive integer');
    });

    it.each([
      ['an array', '91a470696e67'],
      ['nil', 'c0'],
      ['a binary', 'c40101'],
    ])('rejects %s MessagePack value as a command', (_, hex) => {
      expect(envelopeError(bytes(hex)).message).toBe('command must be an object');
    });

    it.each([
      ['a uint64 id above MAX_SAFE_INTEGER', '82a26964cf0020000000000000a66d6574686f64a470696e67'],
      ['a float64 id 1.5', '82a26964cb3ff8000000000000a66d6574686f64a470696e67'],
      ['a negative fixint id', '82a26964ffa66d6574686f64a470696e67'],
      ['a binary id', '82a26964c40101a66d6574686f64a470696e67'],
    ])('rejects %s from MessagePack', (_, hex) => {
      const error = envelopeError(bytes(hex));
      expect(error.code).toBe('PROTO_ERR_INVALID_ID');
      expect(error.message).toBe('command id must be a positive integer');
    });

    it('accepts a float64 id that is an integer, as JSON 1.0 is', () => {
      expect(parse(bytes('82a26964cb3ff0000000000000a66d6574686f64a470696e67'))).toMatchObject({ ok: true });
      expect(parse('{"id":1.0,"method":"ping"}')).toMatchObject({ ok: true, command: { id: 1 } });
    });
  });

  describe('envelope errors answered with a reply', () => {
    it('answers an unknown method with 104', () => {
      expect(parse('{"id":3,"method":"rewind","params":{"channel":"chat:room-1"}}')).toEqual({
        ok: false,
        id: 3,
        error: { code: 104, message: 'unknown method "rewind"', temporary: false },
      });
    });

    it('answers a method named after an Object.prototype member with 104', () => {
      expect(parse('{"id":3,"method":"toString"}')).toMatchObject({ error: { code: 104 } });
      expect(parse('{"id":3,"method":"__proto__"}')).toMatchObject({ error: { code: 104 } });
    });

    it('cuts a long unknown method name to 32 characters in the message', () => {
      expect(parse(`{"id":3,"method":"${'m'.repeat(40)}"}`)).toMatchObject({
        error: { code: 104, message: `unknown method "${'m'.repeat(32)}…"` },
      });
    });

    it('answers an unknown envelope field with 107, before looking at the method', () => {
      expect(parse('{"id":4,"method":"ping","ref":"x"}')).toEqual(bad(4, 'unknown field "ref" in command'));
      expect(parse('{"id":4,"method":"history","ref":"x"}')).toEqual(bad(4, 'unknown field "ref" in command'));
    });

    it('answers a JSON __proto__ field as an unknown envelope field', () => {
      expect(parse('{"id":4,"method":"ping","__proto__":{}}')).toEqual(bad(4, 'unknown field "__proto__" in command'));
    });

    it.each([
      ['{"id":5}', 'a missing method'],
      ['{"id":5,"method":5}', 'a number method'],
      ['{"id":5,"method":null}', 'a null method'],
    ])('answers %s (%s) with 107', (frame) => {
      expect(parse(frame)).toEqual(bad(5, 'command method must be a string'));
    });

    it.each([
      ['[]', 'an array'],
      ['null', 'null'],
      ['"x"', 'a string'],
      ['1', 'a number'],
    ])('answers params that are %s (%s) with 107', (params) => {
      expect(parse(`{"id":6,"method":"subscribe","params":${params}}`)).toEqual(bad(6, 'subscribe.params must be an object'));
    });

    it('answers MessagePack params that are not a map with 107', () => {
      // {"id":6,"method":"ping","params":<timestamp ext -1, 1 s>}
      expect(parse(bytes('83a2696406a66d6574686f64a470696e67a6706172616d73d6ff00000001'))).toEqual(bad(6, 'ping.params must be an object'));
      // {"id":6,"method":"ping","params":<bin 01>}
      expect(parse(bytes('83a2696406a66d6574686f64a470696e67a6706172616d73c40101'))).toEqual(bad(6, 'ping.params must be an object'));
    });

    it('is not temporary and carries the command id', () => {
      const outcome = parseCommand({ id: 77, method: 'nope' });
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.id).toBe(77);
      expect(outcome.error).toBeInstanceOf(ReplyError);
      expect(outcome.error.temporary).toBe(false);
    });
  });

  describe('per-method rules', () => {
    const long = (n: number, c = 'a') => c.repeat(n);
    it.each([
      // connect
      ['{"id":9,"method":"connect","params":{"user":"42"}}', 'connect: unknown field "user"'],
      ['{"id":9,"method":"connect","params":{"token":42}}', 'connect.token must be a string'],
      [`{"id":9,"method":"connect","params":{"token":"${long(16_385)}"}}`, 'connect.token is longer than 16384 characters'],
      [`{"id":9,"method":"connect","params":{"name":"${long(65)}"}}`, 'connect.name is longer than 64 characters'],
      ['{"id":9,"method":"connect","params":{"version":1}}', 'connect.version must be a string'],
      // subscribe
      ['{"id":9,"method":"subscribe","params":{}}', 'subscribe.channel must be a string'],
      ['{"id":9,"method":"subscribe","params":{"channel":7}}', 'subscribe.channel must be a string'],
      ['{"id":9,"method":"subscribe","params":{"channel":""}}', 'subscribe.channel must not be empty'],
      [`{"id":9,"method":"subscribe","params":{"channel":"${long(256)}"}}`, 'subscribe.channel is longer than 255 characters'],
      [`{"id":9,"method":"subscribe","params":{"channel":"${long(128, '😀')}"}}`, 'subscribe.channel is longer than 255 characters'],
      ['{"id":9,"method":"subscribe","params":{"channel":"chat\\u0000"}}', 'subscribe.channel must not contain control characters'],
      ['{"id":9,"method":"subscribe","params":{"channel":"chat\\nroom"}}', 'subscribe.channel must not contain control characters'],
      ['{"id":9,"method":"subscribe","params":{"channel":"chat\\u007f"}}', 'subscribe.channel must not contain control characters'],
      ['{"id":9,"method":"subscribe","params":{"channel":"a","token":1}}', 'subscribe.token must be a string'],
      ['{"id":9,"method":"subscribe","params":{"channel":"a","since":41}}', 'subscribe.since must be an object {offset, epoch}'],
      ['{"id":9,"method":"subscribe","params":{"channel":"a","since":[41,"e"]}}', 'subscribe.since must be an object {offset, epoch}'],
      [
        '{"id":9,"method":"subscribe","params":{"channel":"a","since":{"offset":-1,"epoch":"e"}}}',
        'subscribe.since.offset must be a non-negative integer',
      ],
      [
        '{"id":9,"method":"subscribe","params":{"channel":"a","since":{"offset":1.5,"epoch":"e"}}}',
        'subscribe.since.offset must be a non-negative integer',
      ],
      [
        '{"id":9,"method":"subscribe","params":{"channel":"a","since":{"offset":"1","epoch":"e"}}}',
        'subscribe.since.offset must be a non-negative integer',
      ],
      [
        '{"id":9,"method":"subscribe","params":{"channel":"a","since":{"offset":9007199254740992,"epoch":"e"}}}',
        'subscribe.since.offset must be a non-negative integer',
      ],
      [
        '{"id":9,"method":"subscribe","params":{"channel":"a","since":{"epoch":"e"}}}',
        'subscribe.since.offset must be a non-negative integer',
      ],
      ['{"id":9,"method":"subscribe","params":{"channel":"a","since":{"offset":1}}}', 'subscribe.since.epoch must be a string'],
      [
        '{"id":9,"method":"subscribe","params":{"channel":"a","since":{"offset":1,"epoch":"e","limit":5}}}',
        'subscribe: unknown field "limit"',
      ],
      ['{"id":9,"method":"subscribe","params":{"channel":"a","joinLeave":"yes"}}', 'subscribe.joinLeave must be a boolean'],
      ['{"id":9,"method":"subscribe","params":{"channel":"a","paged":1}}', 'subscribe.paged must be a boolean'],
      ['{"id":9,"method":"subscribe","params":{"channel":"a","recover":true}}', 'subscribe: unknown field "recover"'],
      // unsubscribe
      ['{"id":9,"method":"unsubscribe"}', 'unsubscribe.channel must be a string'],
      ['{"id":9,"method":"unsubscribe","params":{"channel":""}}', 'unsubscribe.channel must not be empty'],
      ['{"id":9,"method":"unsubscribe","params":{"channel":"a","data":1}}', 'unsubscribe: unknown field "data"'],
      // publish
      ['{"id":9,"method":"publish","params":{"channel":"a"}}', 'publish.data is required'],
      ['{"id":9,"method":"publish","params":{"data":1}}', 'publish.channel must be a string'],
      ['{"id":9,"method":"publish","params":{"channel":"a\\tb","data":1}}', 'publish.channel must not contain control characters'],
      ['{"id":9,"method":"publish","params":{"channel":"a","data":1,"event":5}}', 'publish.event must be a string'],
      [`{"id":9,"method":"publish","params":{"channel":"a","data":1,"event":"${long(65)}"}}`, 'publish.event is longer than 64 characters'],
      ['{"id":9,"method":"publish","params":{"channel":"a","data":1,"idempotencyKey":""}}', 'publish.idempotencyKey must not be empty'],
      ['{"id":9,"method":"publish","params":{"channel":"a","data":1,"idempotencyKey":42}}', 'publish.idempotencyKey must be a string'],
      [
        `{"id":9,"method":"publish","params":{"channel":"a","data":1,"idempotencyKey":"${long(65)}"}}`,
        'publish.idempotencyKey is longer than 64 characters',
      ],
      ['{"id":9,"method":"publish","params":{"channel":"a","data":1,"excludeSelf":"true"}}', 'publish.excludeSelf must be a boolean'],
      ['{"id":9,"method":"publish","params":{"channel":"a","data":1,"ttl":5}}', 'publish: unknown field "ttl"'],
      ['{"id":9,"method":"publish","params":{"channel":"a","data":1,"ephemeral":1}}', 'publish.ephemeral must be a boolean'],
      [
        '{"id":9,"method":"publish","params":{"channel":"a","data":1,"ephemeral":true,"idempotencyKey":"k"}}',
        'publish.ephemeral cannot be combined with idempotencyKey',
      ],
      // history
      ['{"id":9,"method":"history","params":{}}', 'history.channel must be a string'],
      ['{"id":9,"method":"history","params":{"channel":"a","limit":-1}}', 'history.limit must be a non-negative integer'],
      ['{"id":9,"method":"history","params":{"channel":"a","limit":1.5}}', 'history.limit must be a non-negative integer'],
      ['{"id":9,"method":"history","params":{"channel":"a","limit":"5"}}', 'history.limit must be a non-negative integer'],
      ['{"id":9,"method":"history","params":{"channel":"a","since":{"offset":1}}}', 'history.since.epoch must be a string'],
      ['{"id":9,"method":"history","params":{"channel":"a","since":3}}', 'history.since must be an object {offset, epoch}'],
      ['{"id":9,"method":"history","params":{"channel":"a","reverse":"yes"}}', 'history.reverse must be a boolean'],
      ['{"id":9,"method":"history","params":{"channel":"a","offset":3}}', 'history: unknown field "offset"'],
      // resume
      ['{"id":9,"method":"resume","params":{"channel":"a"}}', 'resume.since is required'],
      ['{"id":9,"method":"resume","params":{"since":{"offset":1,"epoch":"e"}}}', 'resume.channel must be a string'],
      [
        '{"id":9,"method":"resume","params":{"channel":"a","since":{"offset":-1,"epoch":"e"}}}',
        'resume.since.offset must be a non-negative integer',
      ],
      ['{"id":9,"method":"resume","params":{"channel":"a","since":{"offset":1,"epoch":"e"},"limit":1}}', 'resume: unknown field "limit"'],
      // presence, presence_stats
      ['{"id":9,"method":"presence","params":{}}', 'presence.channel must be a string'],
      ['{"id":9,"method":"presence","params":{"channel":"a","limit":1}}', 'presence: unknown field "limit"'],
      ['{"id":9,"method":"presence_stats","params":{"channel":""}}', 'presence_stats.channel must not be empty'],
      ['{"id":9,"method":"presence_stats","params":{"channel":"a","x":1}}', 'presence_stats: unknown field "x"'],
      // rpc
      ['{"id":9,"method":"rpc","params":{"data":1}}', 'rpc.method must be a non-empty string'],
      ['{"id":9,"method":"rpc","params":{"method":""}}', 'rpc.method must be a non-empty string'],
      ['{"id":9,"method":"rpc","params":{"method":5}}', 'rpc.method must be a non-empty string'],
      [`{"id":9,"method":"rpc","params":{"method":"${long(256)}"}}`, 'rpc.method is longer than 255 characters'],
      ['{"id":9,"method":"rpc","params":{"method":"m","channel":"a"}}', 'rpc: unknown field "channel"'],
      ['{"id":9,"method":"rpc","params":{"method":"m","idempotencyKey":""}}', 'rpc.idempotencyKey must not be empty'],
      ['{"id":9,"method":"rpc","params":{"method":"m","idempotencyKey":7}}', 'rpc.idempotencyKey must be a string'],
      [`{"id":9,"method":"rpc","params":{"method":"m","idempotencyKey":"${long(65)}"}}`, 'rpc.idempotencyKey is longer than 64 characters'],
      // send
      ['{"id":9,"method":"send","params":{}}', 'send.data is required'],
      ['{"id":9,"method":"send","params":{"data":1,"to":"u"}}', 'send: unknown field "to"'],
      // ping
      ['{"id":9,"method":"ping","params":{"x":1}}', 'ping: unknown field "x"'],
      // refresh
      ['{"id":9,"method":"refresh"}', 'refresh.token must be a non-empty string'],
      ['{"id":9,"method":"refresh","params":{"token":""}}', 'refresh.token must be a non-empty string'],
      ['{"id":9,"method":"refresh","params":{"token":7}}', 'refresh.token must be a non-empty string'],
      [`{"id":9,"method":"refresh","params":{"token":"${long(16_385)}"}}`, 'refresh.token is longer than 16384 characters'],
      ['{"id":9,"method":"refresh","params":{"token":"t","user":"42"}}', 'refresh: unknown field "user"'],
      // sub_refresh
      ['{"id":9,"method":"sub_refresh","params":{"token":"t"}}', 'sub_refresh.channel must be a string'],
      ['{"id":9,"method":"sub_refresh","params":{"channel":"a"}}', 'sub_refresh.token must be a non-empty string'],
      ['{"id":9,"method":"sub_refresh","params":{"channel":"a","token":"t","data":1}}', 'sub_refresh: unknown field "data"'],
    ])('answers %s with 107 %j', (frame, message) => {
      expect(parse(frame)).toEqual(bad(9, message));
    });

    it('checks unknown fields before the values of known ones', () => {
      expect(parse('{"id":9,"method":"subscribe","params":{"channel":"","x":1}}')).toEqual(bad(9, 'subscribe: unknown field "x"'));
    });

    it('cuts a long unknown param name to 32 characters in the message', () => {
      expect(parse(`{"id":9,"method":"ping","params":{"${'x'.repeat(33)}":1}}`)).toEqual(
        bad(9, `ping: unknown field "${'x'.repeat(32)}…"`),
      );
    });

    it('applies the same rules to MessagePack frames', () => {
      // {"id":9,"method":"subscribe","params":{"channel":""}}
      expect(parse(bytes('83a2696409a66d6574686f64a9737562736372696265a6706172616d7381a76368616e6e656ca0'))).toEqual(
        bad(9, 'subscribe.channel must not be empty'),
      );
    });
  });
});

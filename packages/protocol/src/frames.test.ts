import { describe, expect, it } from 'vitest';
import { ReplyError } from './errors.js';
import {
  MAX_CHANNEL_LENGTH,
  MAX_COMMAND_ID,
  MAX_EVENT_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_METHOD_LENGTH,
  METHODS,
  NAMESPACE_SEPARATOR,
  PROTOCOL_VERSION,
  PUSH_TYPES,
  type ConnectResult,
  type Push,
  type Reply,
  type ServerFrame,
} from './frames.js';
import { jsonCodec } from './json-codec.js';
import { msgpackCodec } from './msgpack-codec.js';
import { parseServerFrame } from './parse.js';

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));
const hex = (frame: string | Uint8Array): string => Buffer.from(frame as Uint8Array).toString('hex');

interface Golden {
  name: string;
  value: ServerFrame;
  json: string;
  msgpack: string;
}

const PUSHES: (Golden & { value: Push })[] = [
  {
    name: 'a publication from a client, with every field',
    value: {
      type: 'publication',
      channel: 'chat:room-1',
      data: { text: 'hi' },
      event: 'message',
      offset: 42,
      info: { client: 'c-7f3a', user: '42', info: { name: 'Ada' } },
    },
    json: '{"type":"publication","channel":"chat:room-1","data":{"text":"hi"},"event":"message","offset":42,"info":{"client":"c-7f3a","user":"42","info":{"name":"Ada"}}}',
    msgpack:
      '86a474797065ab7075626c69636174696f6ea76368616e6e656cab636861743a726f6f6d2d31a46461746181a474657874a26869a56576656e74a76d657373616765a66f66667365742aa4696e666f83a6636c69656e74a6632d37663361a475736572a23432a4696e666f81a46e616d65a3416461',
  },
  {
    name: 'a publication on a channel with history',
    value: { type: 'publication', channel: 'chat:room-1', data: { text: 'hi' }, offset: 43, epoch: 'a1b2' },
    json: '{"type":"publication","channel":"chat:room-1","data":{"text":"hi"},"offset":43,"epoch":"a1b2"}',
    msgpack:
      '85a474797065ab7075626c69636174696f6ea76368616e6e656cab636861743a726f6f6d2d31a46461746181a474657874a26869a66f66667365742ba565706f6368a461316232',
  },
  {
    name: 'a bare publication',
    value: { type: 'publication', channel: 'news', data: 'hello' },
    json: '{"type":"publication","channel":"news","data":"hello"}',
    msgpack: '83a474797065ab7075626c69636174696f6ea76368616e6e656ca46e657773a464617461a568656c6c6f',
  },
  {
    name: 'a message',
    value: { type: 'message', data: { text: 'welcome' } },
    json: '{"type":"message","data":{"text":"welcome"}}',
    msgpack: '82a474797065a76d657373616765a46461746181a474657874a777656c636f6d65',
  },
  {
    name: 'a join',
    value: { type: 'join', channel: 'chat:room-1', info: { client: 'c-7f3a', user: '42' } },
    json: '{"type":"join","channel":"chat:room-1","info":{"client":"c-7f3a","user":"42"}}',
    msgpack: '83a474797065a46a6f696ea76368616e6e656cab636861743a726f6f6d2d31a4696e666f82a6636c69656e74a6632d37663361a475736572a23432',
  },
  {
    name: 'a leave',
    value: { type: 'leave', channel: 'chat:room-1', info: { client: 'c-7f3a', user: '42' } },
    json: '{"type":"leave","channel":"chat:room-1","info":{"client":"c-7f3a","user":"42"}}',
    msgpack: '83a474797065a56c65617665a76368616e6e656cab636861743a726f6f6d2d31a4696e666f82a6636c69656e74a6632d37663361a475736572a23432',
  },
  {
    name: 'a server-side subscribe',
    value: { type: 'subscribe', channel: 'user:42', data: { role: 'owner' } },
    json: '{"type":"subscribe","channel":"user:42","data":{"role":"owner"}}',
    msgpack: '83a474797065a9737562736372696265a76368616e6e656ca7757365723a3432a46461746181a4726f6c65a56f776e6572',
  },
  {
    name: 'a server-side unsubscribe',
    value: { type: 'unsubscribe', channel: 'chat:room-1', code: 4100, reason: 'room closed' },
    json: '{"type":"unsubscribe","channel":"chat:room-1","code":4100,"reason":"room closed"}',
    msgpack:
      '84a474797065ab756e737562736372696265a76368616e6e656cab636861743a726f6f6d2d31a4636f6465cd1004a6726561736f6eab726f6f6d20636c6f736564',
  },
  {
    name: 'a disconnect',
    value: { type: 'disconnect', code: 3001, reason: 'shutdown', reconnect: true },
    json: '{"type":"disconnect","code":3001,"reason":"shutdown","reconnect":true}',
    msgpack: '84a474797065aa646973636f6e6e656374a4636f6465cd0bb9a6726561736f6ea873687574646f776ea97265636f6e6e656374c3',
  },
  {
    name: 'a ping',
    value: { type: 'ping' },
    json: '{"type":"ping"}',
    msgpack: '81a474797065a470696e67',
  },
  {
    name: 'a behind (slow subscriber catching up)',
    value: { type: 'behind', channel: 'chat:room-1', offset: 41, epoch: 'e1' },
    json: '{"type":"behind","channel":"chat:room-1","offset":41,"epoch":"e1"}',
    msgpack: '84a474797065a6626568696e64a76368616e6e656cab636861743a726f6f6d2d31a66f666673657429a565706f6368a26531',
  },
];

const CONNECT_RESULT: ConnectResult = {
  client: 'c-7f3a',
  user: '42',
  version: '0.1.0',
  protocol: 1,
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  maxMessageBytes: 65_536,
};

const REPLIES: (Golden & { value: Reply })[] = [
  {
    name: 'a connect result',
    value: { id: 1, result: CONNECT_RESULT },
    json: '{"id":1,"result":{"client":"c-7f3a","user":"42","version":"0.1.0","protocol":1,"pingIntervalMs":25000,"pongTimeoutMs":10000,"maxMessageBytes":65536}}',
    msgpack:
      '82a2696401a6726573756c7487a6636c69656e74a6632d37663361a475736572a23432a776657273696f6ea5302e312e30a870726f746f636f6c01ae70696e67496e74657276616c4d73cd61a8ad706f6e6754696d656f75744d73cd2710af6d61784d6573736167654279746573ce00010000',
  },
  {
    name: 'a recovered subscribe result',
    value: {
      id: 2,
      result: { recoverable: true, offset: 41, epoch: 'a1b2', recovered: true, publications: [{ data: { text: 'missed' }, offset: 42 }] },
    },
    json: '{"id":2,"result":{"recoverable":true,"offset":41,"epoch":"a1b2","recovered":true,"publications":[{"data":{"text":"missed"},"offset":42}]}}',
    msgpack:
      '82a2696402a6726573756c7485ab7265636f76657261626c65c3a66f666673657429a565706f6368a461316232a97265636f7665726564c3ac7075626c69636174696f6e739182a46461746181a474657874a66d6973736564a66f66667365742a',
  },
  {
    name: 'the first page of a recovery too large for one reply',
    value: {
      id: 2,
      result: {
        recoverable: true,
        offset: 300,
        epoch: 'a1b2',
        recovered: true,
        publications: [{ data: { text: 'missed' }, offset: 42 }],
        more: true,
      },
    },
    json: '{"id":2,"result":{"recoverable":true,"offset":300,"epoch":"a1b2","recovered":true,"publications":[{"data":{"text":"missed"},"offset":42}],"more":true}}',
    msgpack:
      '82a2696402a6726573756c7486ab7265636f76657261626c65c3a66f6666736574cd012ca565706f6368a461316232a97265636f7665726564c3ac7075626c69636174696f6e739182a46461746181a474657874a66d6973736564a66f66667365742aa46d6f7265c3',
  },
  {
    name: 'a history page with more to read',
    value: { id: 3, result: { publications: [{ data: { text: 'next' }, offset: 43 }], offset: 300, epoch: 'a1b2', more: true } },
    json: '{"id":3,"result":{"publications":[{"data":{"text":"next"},"offset":43}],"offset":300,"epoch":"a1b2","more":true}}',
    msgpack:
      '82a2696403a6726573756c7484ac7075626c69636174696f6e739182a46461746181a474657874a46e657874a66f66667365742ba66f6666736574cd012ca565706f6368a461316232a46d6f7265c3',
  },
  {
    name: 'an empty result (unsubscribe, send, ping, plain subscribe)',
    value: { id: 3, result: {} },
    json: '{"id":3,"result":{}}',
    msgpack: '82a2696403a6726573756c7480',
  },
  {
    name: 'a history result',
    value: { id: 8, result: { publications: [{ data: { text: 'b' }, offset: 42 }], offset: 42, epoch: 'a1b2' } },
    json: '{"id":8,"result":{"publications":[{"data":{"text":"b"},"offset":42}],"offset":42,"epoch":"a1b2"}}',
    msgpack:
      '82a2696408a6726573756c7483ac7075626c69636174696f6e739182a46461746181a474657874a162a66f66667365742aa66f66667365742aa565706f6368a461316232',
  },
  {
    name: 'a presence result',
    value: { id: 9, result: { clients: { 'c-7f3a': { client: 'c-7f3a', user: '42' } } } },
    json: '{"id":9,"result":{"clients":{"c-7f3a":{"client":"c-7f3a","user":"42"}}}}',
    msgpack: '82a2696409a6726573756c7481a7636c69656e747381a6632d3766336182a6636c69656e74a6632d37663361a475736572a23432',
  },
  {
    name: 'a presence_stats result',
    value: { id: 10, result: { clients: 3, users: 2 } },
    json: '{"id":10,"result":{"clients":3,"users":2}}',
    msgpack: '82a269640aa6726573756c7482a7636c69656e747303a5757365727302',
  },
  {
    name: 'a publish result',
    value: { id: 4, result: { offset: 42, epoch: 'a1b2' } },
    json: '{"id":4,"result":{"offset":42,"epoch":"a1b2"}}',
    msgpack: '82a2696404a6726573756c7482a66f66667365742aa565706f6368a461316232',
  },
  {
    name: 'an rpc result',
    value: { id: 5, result: { data: { name: 'Ada' } } },
    json: '{"id":5,"result":{"data":{"name":"Ada"}}}',
    msgpack: '82a2696405a6726573756c7481a46461746181a46e616d65a3416461',
  },
  {
    name: 'a relais error',
    value: { id: 6, error: new ReplyError(104, 'unknown method "history"') },
    json: '{"id":6,"error":{"code":104,"message":"unknown method \\"history\\"","temporary":false}}',
    msgpack: '82a2696406a56572726f7283a4636f646568a76d657373616765b8756e6b6e6f776e206d6574686f642022686973746f727922a974656d706f72617279c2',
  },
  {
    name: 'an application error',
    value: { id: 7, error: new ReplyError(403, 'only moderators may post here') },
    json: '{"id":7,"error":{"code":403,"message":"only moderators may post here","temporary":false}}',
    msgpack:
      '82a2696407a56572726f7283a4636f6465cd0193a76d657373616765bd6f6e6c79206d6f64657261746f7273206d617920706f73742068657265a974656d706f72617279c2',
  },
  {
    name: 'a temporary error',
    value: { id: 8, error: new ReplyError(111) },
    json: '{"id":8,"error":{"code":111,"message":"too many requests","temporary":true}}',
    msgpack: '82a2696408a56572726f7283a4636f64656fa76d657373616765b1746f6f206d616e79207265717565737473a974656d706f72617279c3',
  },
];

/** What a client reads back: errors arrive as plain wire shapes. */
const wire = (value: ServerFrame): unknown => JSON.parse(JSON.stringify(value));

const GOLDENS: [string, Golden[]][] = [
  ['Push', PUSHES],
  ['Reply', REPLIES],
];

describe.each(GOLDENS)('%s', (_, goldens) => {
  it.each(goldens)('encodes $name to the literal JSON frame', ({ value, json }) => {
    expect(jsonCodec.encode(value)).toBe(json);
  });

  it.each(goldens)('encodes $name to the literal MessagePack frame', ({ value, msgpack }) => {
    expect(hex(msgpackCodec.encode(value))).toBe(msgpack);
  });

  it.each(goldens)('reads $name back from both literal frames', ({ value, json, msgpack }) => {
    expect(jsonCodec.decode(json).map(parseServerFrame)).toEqual([wire(value)]);
    expect(msgpackCodec.decode(bytes(msgpack)).map(parseServerFrame)).toEqual([wire(value)]);
  });
});

describe('PUSH_TYPES', () => {
  it('has a golden frame for every push type', () => {
    expect(PUSHES.map(({ value }) => value.type).filter((type, i, all) => all.indexOf(type) === i)).toEqual([...PUSH_TYPES]);
  });
});

describe('batching', () => {
  const frames = [REPLIES[0]!, PUSHES[6]!, PUSHES[9]!];

  it('joins JSON frames into one newline-separated message', () => {
    const message = jsonCodec.join(frames.map(({ value }) => jsonCodec.encode(value)));
    expect(message).toBe(
      '{"id":1,"result":{"client":"c-7f3a","user":"42","version":"0.1.0","protocol":1,"pingIntervalMs":25000,"pongTimeoutMs":10000,"maxMessageBytes":65536}}\n' +
        '{"type":"subscribe","channel":"user:42","data":{"role":"owner"}}\n' +
        '{"type":"ping"}',
    );
    expect(jsonCodec.decode(message).map(parseServerFrame)).toEqual(frames.map(({ value }) => wire(value)));
  });

  it('joins MessagePack frames into one concatenated message', () => {
    const message = msgpackCodec.join(frames.map(({ value }) => msgpackCodec.encode(value)));
    expect(hex(message)).toBe(frames.map(({ msgpack }) => msgpack).join(''));
    expect(msgpackCodec.decode(message).map(parseServerFrame)).toEqual(frames.map(({ value }) => wire(value)));
  });

  it('reads a literal batch of commands in order, in both encodings', () => {
    const json = '{"id":1,"method":"connect"}\n{"id":2,"method":"subscribe","params":{"channel":"news"}}';
    const msgpack =
      '82a2696401a66d6574686f64a7636f6e6e656374' + '83a2696402a66d6574686f64a9737562736372696265a6706172616d7381a76368616e6e656ca46e657773';
    const expected = [
      { id: 1, method: 'connect' },
      { id: 2, method: 'subscribe', params: { channel: 'news' } },
    ];
    expect(jsonCodec.decode(json)).toEqual(expected);
    expect(msgpackCodec.decode(bytes(msgpack))).toEqual(expected);
  });
});

describe('protocol constants', () => {
  it('pins the v1 limits', () => {
    expect({
      PROTOCOL_VERSION,
      MAX_COMMAND_ID,
      MAX_CHANNEL_LENGTH,
      MAX_METHOD_LENGTH,
      MAX_IDEMPOTENCY_KEY_LENGTH,
      MAX_EVENT_LENGTH,
      NAMESPACE_SEPARATOR,
    }).toEqual({
      PROTOCOL_VERSION: 1,
      MAX_COMMAND_ID: 9_007_199_254_740_991,
      MAX_CHANNEL_LENGTH: 255,
      MAX_METHOD_LENGTH: 255,
      MAX_IDEMPOTENCY_KEY_LENGTH: 64,
      MAX_EVENT_LENGTH: 64,
      NAMESPACE_SEPARATOR: ':',
    });
  });

  it('lists the v1 methods and push types in documentation order', () => {
    expect(METHODS).toEqual([
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
    ]);
    expect(PUSH_TYPES).toEqual(['publication', 'message', 'join', 'leave', 'subscribe', 'unsubscribe', 'disconnect', 'ping', 'behind']);
  });
});

/**
 * @module bench/lib/soak-attacks
 * What the soak's fuzzing clients send: one attack per connection, drawn at random, each a way
 * a client can try to break a node (malformed or hostile frames, data one encoding cannot
 * carry, commands cut short by a close, floods, oversized messages, huge reads).
 */
import { randomBytes } from 'node:crypto';
import { encode } from '@msgpack/msgpack';
import { WebSocket } from 'ws';

const JSON_PROTOCOL = 'relais.v1.json';
const MSGPACK_PROTOCOL = 'relais.v1.msgpack';

/** Nested arrays `depth` deep, as JSON text. */
const nested = (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const connect = '{"id":1,"method":"connect"}';
const json = (value) => JSON.stringify(value);
const publish = (id, channel, dataText) => `{"id":${id},"method":"publish","params":{"channel":${json(channel)},"data":${dataText}}}`;

/**
 * Each attack: the subprotocol it speaks and the messages it sends, in order; `cut` ends the
 * socket right after them (no close frame).
 */
export const ATTACKS = [
  { name: 'not json', frames: ['{"id":1,"method":'] },
  { name: 'random bytes', protocol: MSGPACK_PROTOCOL, frames: () => [new Uint8Array(randomBytes(64))] },
  { name: 'unknown method', frames: [connect, '{"id":2,"method":"explode"}'] },
  { name: 'second connect', frames: [connect, connect] },
  { name: 'command before connect', frames: ['{"id":1,"method":"subscribe","params":{"channel":"soak:room"}}'] },
  { name: 'deep data 150', frames: [connect, publish(2, 'soak:room', nested(150))] },
  { name: 'deep data 20000', frames: [connect, publish(2, 'soak:room', nested(20_000))] },
  { name: '__proto__ data', frames: [connect, publish(2, 'soak:room', '{"__proto__":{"x":1}}')] },
  { name: 'lone surrogate data', frames: [connect, publish(2, 'soak:room', '"\\ud800"')] },
  {
    name: 'lone surrogate channel',
    frames: [connect, '{"id":2,"method":"subscribe","params":{"channel":"soak:\\ud800"}}', publish(3, 'soak:\ud800', '1')],
  },
  { name: 'huge number', frames: [connect, publish(2, 'soak:room', '1e400')] },
  {
    name: 'binary data (msgpack)',
    protocol: MSGPACK_PROTOCOL,
    frames: () => [
      encode({ id: 1, method: 'connect' }),
      encode({ id: 2, method: 'publish', params: { channel: 'soak:room', data: new Uint8Array([1, 2, 3]) } }),
    ],
  },
  {
    name: 'subscribe then bad frame',
    frames: [connect, '{"id":2,"method":"subscribe","params":{"channel":"soak:room","joinLeave":true}}', 'garbage'],
  },
  { name: 'subscribe then cut', cut: true, frames: [connect, '{"id":2,"method":"subscribe","params":{"channel":"soak:room"}}'] },
  {
    name: 'recover from afar then cut',
    cut: true,
    frames: [connect, '{"id":2,"method":"subscribe","params":{"channel":"soak:room","since":{"offset":0,"epoch":"x"}}}'],
  },
  {
    name: 'history then cut',
    cut: true,
    frames: [
      connect,
      '{"id":2,"method":"subscribe","params":{"channel":"soak:room"}}',
      '{"id":3,"method":"history","params":{"channel":"soak:room","limit":1000}}',
    ],
  },
  {
    name: 'flood',
    frames: () => [
      connect,
      ...Array.from({ length: 40 }, (_, i) =>
        Array.from({ length: 100 }, (_, j) => `{"id":${i * 100 + j + 2},"method":"ping"}`).join('\n'),
      ),
    ],
  },
  { name: 'oversized', frames: () => [connect, `{"id":2,"method":"send","params":{"data":"${'x'.repeat(200_000)}"}}`] },
  {
    name: 'many channels then cut',
    cut: true,
    frames: () => [
      connect,
      ...Array.from({ length: 50 }, (_, i) => `{"id":${i + 2},"method":"subscribe","params":{"channel":"fuzz:${i}"}}`),
    ],
  },
];

/**
 * Runs one random attack against `url`; resolves once the socket closed (or was cut), at most
 * `boundMs` later (then it is terminated). Never rejects.
 */
export function runAttack(url, random = Math.random, boundMs = 2_000) {
  const attack = ATTACKS[Math.floor(random() * ATTACKS.length)];
  const frames = typeof attack.frames === 'function' ? attack.frames() : attack.frames;
  return new Promise((resolve) => {
    const ws = new WebSocket(url, attack.protocol ?? JSON_PROTOCOL);
    const timer = setTimeout(() => ws.terminate(), boundMs);
    ws.on('error', () => {});
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve({ attack: attack.name, code });
    });
    ws.on('open', () => {
      for (const frame of frames) {
        if (ws.readyState !== WebSocket.OPEN) break;
        ws.send(frame, { binary: typeof frame !== 'string' });
      }
      if (attack.cut) ws.terminate();
    });
  });
}

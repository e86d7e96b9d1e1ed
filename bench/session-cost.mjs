/**
 * @module bench/session-cost
 * What relais's own JavaScript costs, without sockets: sessions on transports that discard
 * their writes. `node bench/session-cost.mjs` (after `npm run build`) prints
 * - CPU µs per connection to accept a session and answer its pipelined `connect` + `subscribe`;
 * - CPU µs per delivery of a publication fanned out to 1,000 subscribers (encode once, queue,
 *   the shared flush, the queue-limit check, metrics), the publish itself amortized.
 * Those are the parts of the server-CPU figures of docs/benchmarks.md that are relais's own.
 */
import { jsonCodec } from '@relais/protocol';
import { createRelais } from '@relais/server';

const SUBSCRIBERS = 1_000;
const PUBLICATIONS = 2_000;
const CONNECTIONS = 20_000;

/** A JSON transport that takes every frame and sends nothing. */
const discardingTransport = () => ({ codec: jsonCodec, info: { name: 'discard', headers: {} }, bufferedBytes: 0, write() {}, close() {} });

const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
};

/** Accepts `count` sessions, each sending `connect` + `subscribe` to `channelOf(i)` in one message. */
async function open(relais, count, channelOf) {
  for (let i = 0; i < count; i++) {
    relais
      .accept(discardingTransport())
      .handleMessage(`{"id":1,"method":"connect","params":{}}\n{"id":2,"method":"subscribe","params":{"channel":"${channelOf(i)}"}}`);
  }
  await settle();
}

async function connectionCost() {
  const relais = createRelais({ maxConnections: 1_000_000 });
  await open(relais, 2_000, (i) => `room:${i % 1_000}`);
  const before = process.cpuUsage();
  for (let done = 0; done < CONNECTIONS; done += 1_000) await open(relais, 1_000, (i) => `room:${(done + i) % 1_000}`);
  const used = process.cpuUsage(before);
  await relais.close();
  return (used.user + used.system) / CONNECTIONS;
}

async function deliveryCost() {
  const relais = createRelais({ maxConnections: 1_000_000 });
  await open(relais, SUBSCRIBERS, () => 'room');
  const data = { s: 1, t: 12345.678, x: '0123456789abcdef0123456789abcdef' };
  const publish = async (count) => {
    for (let i = 0; i < count; i++) {
      await relais.publish('room', data);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await publish(200);
  const before = process.cpuUsage();
  await publish(PUBLICATIONS);
  const used = process.cpuUsage(before);
  await relais.close();
  return (used.user + used.system) / (PUBLICATIONS * SUBSCRIBERS);
}

console.log(`session setup (connect + subscribe): ${(await connectionCost()).toFixed(1)} µs CPU per connection`);
console.log(`fan-out to ${SUBSCRIBERS} subscribers: ${(await deliveryCost()).toFixed(3)} µs CPU per delivery`);

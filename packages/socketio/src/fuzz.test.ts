import fc from 'fast-check';
import { useTestNodes } from '@relais/server/testkit';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodePayload, EngineProtocolError } from './engine/packet.js';
import { Decoder, SocketIoProtocolError } from './parser.js';
import { Server } from './server.js';

const start = useTestNodes();
const servers: Server[] = [];
afterEach(async () => {
  for (const io of servers.splice(0)) await io.close();
});

/** Strings that look like packets: a type digit, optional counts, namespaces, ids and JSON-ish tails. */
const packetLike = fc.oneof(
  fc.string(),
  fc
    .tuple(fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '9', 'b'), fc.string(), fc.json())
    .map(([type, middle, json]) => `${type}${middle}${json}`),
  fc
    .tuple(fc.constantFrom('5', '6'), fc.nat(20), fc.constantFrom('', '/x,'), fc.option(fc.nat()), fc.json())
    .map(([type, count, nsp, id, json]) => `${type}${count}-${nsp}${id ?? ''}${json}`),
);

describe('fuzzed input', () => {
  it('the Socket.IO decoder only ever throws SocketIoProtocolError', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            packetLike,
            fc.uint8Array().map((bytes) => Buffer.from(bytes)),
          ),
          { maxLength: 5 },
        ),
        (messages) => {
          const decoder = new Decoder(10);
          for (const message of messages) {
            try {
              decoder.add(message);
            } catch (error) {
              expect(error).toBeInstanceOf(SocketIoProtocolError);
              return;
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('the Engine.IO payload decoder only ever throws EngineProtocolError', () => {
    fc.assert(
      fc.property(fc.array(packetLike, { minLength: 1, maxLength: 4 }), (packets) => {
        try {
          decodePayload(packets.join('\x1e'));
        } catch (error) {
          expect(error).toBeInstanceOf(EngineProtocolError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a live server survives random frames from one client and keeps answering another', async () => {
    const node = await start();
    const io = new Server(node.relais);
    servers.push(io);
    io.on('connection', (socket) => socket.on('echo', (value: unknown, ack: (value: unknown) => void) => ack(value)));
    const wsUrl = `${node.base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const frames = fc.sample(
      fc.array(
        fc.oneof(
          packetLike.map((text) => `4${text}`),
          packetLike,
        ),
        { minLength: 1, maxLength: 4 },
      ),
      40,
    );
    for (const batch of frames) {
      const ws = new WebSocket(wsUrl);
      await once(ws, 'message');
      ws.send('40');
      for (const frame of batch) ws.send(frame);
      ws.send('1');
      await once(ws, 'close');
    }
    const good = new WebSocket(wsUrl);
    const messages: string[] = [];
    const received = new Promise<void>((resolve) =>
      good.on('message', (data) => {
        messages.push(String(data));
        if (String(data).startsWith('431')) resolve();
      }),
    );
    await once(good, 'message');
    good.send('40');
    // Sent before the CONNECT reply: kept until the namespace is joined, then delivered.
    good.send('421["echo",{"ok":true}]');
    await received;
    expect(messages).toContain('431[{"ok":true}]');
    good.close();
    await once(good, 'close');
  });
});

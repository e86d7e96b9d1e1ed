import { JSON_SUBPROTOCOL, JSON_V2_SUBPROTOCOL, type Push } from '@relais/protocol';
import type { RawData } from 'ws';
import { describe, expect, it } from 'vitest';
import { useTestNodes, type TestNode } from '../testkit/test-node.js';
import type { TestClient } from '../testkit/ws-client.js';

const start = useTestNodes();
const CHANNEL = 'chat:room-42';
const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');

/** A payload whose JSON is exactly `bytes` long, shaped like the bench's (`{"s":…,"t":…,"x":"…"}`). */
function payloadOf(bytes: number): { s: number; t: number; x: string } {
  const base = { s: 1234, t: 98765.4321, x: '' };
  return { ...base, x: 'x'.repeat(bytes - utf8(JSON.stringify(base))) };
}

/** The next text frame `client` receives, as sent. */
function nextFrame(client: TestClient): Promise<string> {
  return new Promise((resolve) => client.ws.once('message', (data: RawData) => resolve(data.toString())));
}

const isPublication = (push: Push): boolean => push.type === 'publication' || 'c' in push;

/** A subscriber on `protocol` and a publisher; returns the frame of one publication of `data`. */
async function publishedFrame(node: TestNode, protocol: string, data: unknown): Promise<string> {
  const subscriber = await node.connect({ protocols: protocol });
  await subscriber.call('subscribe', { channel: CHANNEL });
  const publisher = await node.connect();
  const frame = nextFrame(subscriber);
  await publisher.call('publish', { channel: CHANNEL, data });
  await subscriber.nextPush(isPublication);
  return frame;
}

const chat = (extra: Record<string, unknown>) => ({
  namespaces: { chat: { historySize: 10, historyTtlMs: 60_000, ...extra } },
});

describe('publish: publisherInfo', () => {
  it('attaches the publisher by default, with a 16-character client id', async () => {
    const node = await start(chat({}));
    const frame = JSON.parse(await publishedFrame(node, JSON_V2_SUBPROTOCOL, 'hi')) as { i?: { client: string; user: string } };
    expect(frame.i).toEqual({ client: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/), user: '' });
  });

  it('leaves the publisher out of live publications and history when the namespace says false', async () => {
    const node = await start(chat({ publisherInfo: false }));
    const v1 = JSON.parse(await publishedFrame(node, JSON_SUBPROTOCOL, 'hi')) as Record<string, unknown>;
    expect(v1).toMatchObject({ type: 'publication', channel: CHANNEL, data: 'hi', offset: 1 });
    expect(v1).not.toHaveProperty('info');
    const reader = await node.connect();
    await reader.call('subscribe', { channel: CHANNEL }); // history is read by subscribers
    const { publications } = await reader.call<{ publications: Record<string, unknown>[] }>('history', { channel: CHANNEL });
    expect(publications).toHaveLength(1);
    expect(publications[0]).not.toHaveProperty('info');
  });

  it('keeps a v2 JSON publication of a 101-byte payload made by a connection within payload + 40 bytes without publisher info', async () => {
    const data = payloadOf(101);
    const without = await publishedFrame(await start(chat({ publisherInfo: false })), JSON_V2_SUBPROTOCOL, data);
    // The first publication after a subscribe carries the epoch (`"ep":"…"`, 8 characters on memory).
    const { ep } = JSON.parse(without) as { ep: string };
    expect(utf8(without) - utf8(`,"ep":"${ep}"`)).toBe(101 + 31); // {"c":"chat:room-42","o":1,"d":…}
    expect(utf8(without) - utf8(`,"ep":"${ep}"`)).toBeLessThanOrEqual(101 + 40);
    const withInfo = await publishedFrame(await start(chat({})), JSON_V2_SUBPROTOCOL, data);
    // `,"i":{"client":"<16 characters>","user":""}`: what a namespace with publisherInfo pays.
    expect(utf8(withInfo) - utf8(without)).toBe(44);
  });

  it('rejects a publisherInfo that is not a boolean', async () => {
    await expect(start(chat({ publisherInfo: 'no' }))).rejects.toThrow(
      'option namespaces["chat"].publisherInfo must be a boolean, got "no"',
    );
  });
});

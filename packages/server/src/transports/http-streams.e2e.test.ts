import { describe, expect, it } from 'vitest';
import { MemoryBroker } from '../memory/memory-broker.js';
import { MemoryBus } from '../memory/memory-bus.js';
import { MemoryPresenceStore } from '../memory/memory-presence-store.js';
import type { RelaisOptions } from '../options.js';
import { emulate, openStream, roundRobin, send, type HttpResponse } from '../testkit/http-client.js';
import { useTestNodes } from '../testkit/test-node.js';
import { EMULATION_PATH, HTTP_STREAM_PATH, LONG_POLL_PATH, POLL_PATH, SESSION_HEADER, SSE_PATH } from './http-streams.js';

const start = useTestNodes();

describe('connections over HTTP (SSE, HTTP streaming, emulation)', () => {
  it.each(['sse', 'http_stream'] as const)('runs a session over %s: connect, subscribe, publications, disconnect', async (kind) => {
    const { base, relais } = await start();
    const connect = JSON.stringify({ id: 1, method: 'connect', params: { name: 'http-test' } });
    const stream = await openStream(base, kind, kind === 'http_stream' ? connect : undefined);
    expect(stream.session).toMatch(new RegExp(`^${relais.options.nodeId}\\.[\\w-]{24}$`));
    expect(stream.headers['cache-control']).toBe('no-store');
    if (kind === 'sse') {
      expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      expect((await emulate(base, stream.session, [{ id: 1, method: 'connect', params: { name: 'http-test' } }])).status).toBe(204);
    }
    const connected = await stream.next((frame) => frame.id === 1);
    expect(connected.result).toMatchObject({ client: expect.any(String), user: '' });
    expect((await emulate(base, stream.session, [{ id: 2, method: 'subscribe', params: { channel: 'news' } }])).status).toBe(204);
    expect(await stream.next((frame) => frame.id === 2)).toEqual({ id: 2, result: {} });
    await relais.publish('news', { text: 'multi\nline' });
    expect(await stream.next((frame) => frame.type === 'publication')).toMatchObject({ channel: 'news', data: { text: 'multi\nline' } });
    expect(relais.stats().connections).toBe(1);

    relais.disconnect({ client: (connected.result as { client: string }).client }, 4001, 'bye');
    expect(await stream.next((frame) => frame.type === 'disconnect')).toEqual({
      type: 'disconnect',
      code: 4001,
      reason: 'bye',
      reconnect: true,
    });
    await stream.ended;
    expect((await emulate(base, stream.session, [{ id: 3, method: 'ping' }])).status).toBe(404);
  });

  it('ends the session when the client goes away', async () => {
    const { base, relais } = await start();
    const stream = await openStream(base, 'http_stream', JSON.stringify({ id: 1, method: 'connect' }));
    await stream.next((frame) => frame.id === 1);
    expect(relais.stats().connections).toBe(1);
    stream.response.destroy();
    await expect.poll(() => relais.stats().connections).toBe(0);
    expect(relais.stats().disconnects).toEqual({ 1006: 1 });
  });

  it('leaks nothing when streams and long-polling sessions are opened and dropped in a loop', async () => {
    // Short heartbeats: an abandoned long-polling session answers no ping and is closed with 3012.
    const { base, relais } = await start({ pingIntervalMs: 300, pongTimeoutMs: 300 });
    for (let round = 0; round < 20; round++) {
      const sse = await openStream(base, 'sse');
      const stream = await openStream(base, 'http_stream', JSON.stringify({ id: 1, method: 'connect' }));
      await stream.next((frame) => frame.id === 1);
      sse.response.destroy();
      stream.response.destroy();
      await send(base, 'POST', LONG_POLL_PATH, JSON.stringify({ id: 1, method: 'connect' }));
    }
    await expect.poll(() => relais.stats().connections, { timeout: 5_000 }).toBe(0);
    expect(relais.stats().disconnects).toEqual({ 1006: 40, 3012: 20 });
    expect(relais.stats().resources).toEqual({ holds: 0, brokerChannels: 0, presenceEntries: 0, tokenTimers: 0 });
  });

  it('answers bad emulation requests with 400, 404, 405 and 413, and keeps the session', async () => {
    const { base } = await start({ maxMessageBytes: 1024 });
    const stream = await openStream(base, 'http_stream', JSON.stringify({ id: 1, method: 'connect' }));
    await stream.next((frame) => frame.id === 1);
    const cases: [Promise<HttpResponse>, number, string][] = [
      [send(base, 'POST', EMULATION_PATH, '{"id":2,"method":"ping"}'), 400, 'header must carry the session id'],
      [emulate(base, 'nonsense', [{ id: 2, method: 'ping' }]), 400, 'header must carry the session id'],
      [emulate(base, `${stream.session}x`, [{ id: 2, method: 'ping' }]), 404, 'unknown session'],
      [emulate(base, `other-node.${stream.session.split('.')[1]}`, [{ id: 2, method: 'ping' }]), 404, 'unknown session'],
      [send(base, 'POST', EMULATION_PATH, 'x'.repeat(2048), { [SESSION_HEADER]: stream.session }), 413, 'larger than 1024 bytes'],
      [send(base, 'POST', EMULATION_PATH, '', { [SESSION_HEADER]: stream.session }), 400, 'must hold commands'],
      [send(base, 'GET', EMULATION_PATH), 405, 'use POST'],
      [send(base, 'POST', SSE_PATH), 405, 'use GET'],
      [send(base, 'POST', HTTP_STREAM_PATH, 'x'.repeat(2048)), 413, 'larger than 1024 bytes'],
    ];
    for (const [response, status, message] of cases) {
      const { status: got, body } = await response;
      expect([got, body]).toEqual([status, expect.stringContaining(message)]);
    }
    expect((await emulate(base, stream.session, [{ id: 2, method: 'ping' }])).status).toBe(204);
    expect(await stream.next((frame) => frame.id === 2)).toEqual({ id: 2, result: {} });
    // A malformed command is a protocol violation, as on a WebSocket.
    expect((await send(base, 'POST', EMULATION_PATH, '{oops', { [SESSION_HEADER]: stream.session })).status).toBe(204);
    expect(await stream.next((frame) => frame.type === 'disconnect')).toMatchObject({ code: 3501 });
  });

  it('applies the origin allow-list and answers CORS preflights for allowed origins', async () => {
    const { base } = await start({ allowedOrigins: ['https://app.example.com'] });
    const refused = await send(base, 'GET', SSE_PATH, undefined, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.headers).not.toHaveProperty('access-control-allow-origin');
    const preflight = await send(base, 'OPTIONS', EMULATION_PATH, undefined, { origin: 'https://app.example.com' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': `content-type, authorization, ${SESSION_HEADER}`,
    });
    const stream = await openStream(base, 'sse', undefined, { origin: 'https://app.example.com' });
    expect(stream.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-expose-headers': SESSION_HEADER,
    });
  });

  it('can be turned off', async () => {
    const { base } = await start({ httpTransports: false });
    expect((await send(base, 'GET', SSE_PATH)).status).toBe(404);
    await expect(start({ httpTransports: 'yes' as never })).rejects.toThrow('option httpTransports must be true or false, got "yes"');
  });
});

/** Frames of a poll answer. */
const framesOf = (response: HttpResponse): Record<string, unknown>[] =>
  response.body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

const poll = (base: string, session: string): Promise<HttpResponse> => send(base, 'POST', POLL_PATH, '', { [SESSION_HEADER]: session });

describe('long-polling', () => {
  it('opens with the connect reply, then each poll takes what was queued; the last one carries the disconnect', async () => {
    const { base, relais } = await start();
    const opened = await send(base, 'POST', LONG_POLL_PATH, JSON.stringify({ id: 1, method: 'connect' }));
    expect(opened.status).toBe(200);
    const session = opened.headers[SESSION_HEADER] as string;
    expect(session).toMatch(new RegExp(`^${relais.options.nodeId}\\.`));
    const [connected] = framesOf(opened);
    expect(connected).toMatchObject({ id: 1, result: { client: expect.any(String) } });

    expect((await emulate(base, session, [{ id: 2, method: 'subscribe', params: { channel: 'news' } }])).status).toBe(204);
    expect(framesOf(await poll(base, session))).toEqual([{ id: 2, result: {} }]);
    // A poll that waits is answered as soon as something is queued.
    const waiting = poll(base, session);
    await expect.poll(() => relais.stats().connections).toBe(1);
    await relais.publish('news', 'one');
    expect(framesOf(await waiting)).toEqual([expect.objectContaining({ type: 'publication', data: 'one' })]);
    // Frames queued between polls wait for the next one, in order.
    await relais.publish('news', 'two');
    await relais.publish('news', 'three');
    expect(framesOf(await poll(base, session)).map((frame) => frame.data)).toEqual(['two', 'three']);

    relais.disconnect({ client: (connected!.result as { client: string }).client }, 4001, 'bye');
    expect(framesOf(await poll(base, session))).toEqual([{ type: 'disconnect', code: 4001, reason: 'bye', reconnect: true }]);
    expect((await poll(base, session)).status).toBe(404);
    expect((await poll(base, 'no-such-session')).status).toBe(400);
  });
});

describe('HTTP transports on two nodes behind a round-robin balancer', () => {
  it('forwards commands that land on the other node to the node holding the stream', async () => {
    const bus = new MemoryBus();
    const member = (nodeId: string): RelaisOptions => ({
      nodeId,
      engine: { broker: new MemoryBroker({ bus }), presence: new MemoryPresenceStore({ bus }) },
    });
    const a = await start(member('node-a'));
    const b = await start(member('node-b'));
    const ports = [a, b].map((node) => Number(new URL(node.base).port));
    const base = await roundRobin(() => ports);
    // The stream opens on one node; each command then alternates between the two.
    const stream = await openStream(base, 'http_stream', JSON.stringify({ id: 1, method: 'connect' }));
    await stream.next((frame) => frame.id === 1);
    for (let id = 2; id < 6; id++) {
      expect((await emulate(base, stream.session, [{ id, method: 'subscribe', params: { channel: `room-${id}` } }])).status).toBe(204);
      expect(await stream.next((frame) => frame.id === id)).toEqual({ id, result: {} });
    }
    const holder = stream.session.startsWith('node-a.') ? a : b;
    expect(holder.relais.stats().subscriptions).toBe(4);
    await (holder === a ? b : a).relais.publish('room-3', 'across');
    expect(await stream.next((frame) => frame.type === 'publication')).toMatchObject({ channel: 'room-3', data: 'across' });

    // Long-polling: polls and commands alternate between the nodes too.
    const opened = await send(base, 'POST', LONG_POLL_PATH, JSON.stringify({ id: 1, method: 'connect' }));
    const session = opened.headers[SESSION_HEADER] as string;
    for (let id = 2; id < 6; id++) {
      expect((await emulate(base, session, [{ id, method: 'subscribe', params: { channel: `poll-${id}` } }])).status).toBe(204);
      expect(framesOf(await poll(base, session))).toEqual([{ id, result: {} }]);
    }
    await a.relais.publish('poll-4', 'polled');
    expect(framesOf(await poll(base, session))).toEqual([expect.objectContaining({ channel: 'poll-4', data: 'polled' })]);
  });
});

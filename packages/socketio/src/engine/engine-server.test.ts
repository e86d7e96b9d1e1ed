import { once } from 'node:events';
import { useTestNodes } from '@relais/server/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { attachEngine, type EngineEndpointOptions } from '../engine-endpoint.js';
import type { EngineSocket } from './engine-socket.js';

const start = useTestNodes();
const closers: Array<() => void> = [];
const sockets: WebSocket[] = [];
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const close of closers.splice(0)) close();
});

/** A node with an echoing Engine.IO endpoint on /engine.io/. */
async function echoNode(options: EngineEndpointOptions = {}, relaisOptions = {}) {
  const node = await start(relaisOptions);
  const { engine, close } = attachEngine(node.relais, options);
  closers.push(close);
  const sessions: EngineSocket[] = [];
  engine.on('connection', (socket) => {
    sessions.push(socket);
    socket.on('message', (data) => socket.send([data]));
  });
  const url = (query: string) => `${node.base}/engine.io/?EIO=4&${query}`;
  const wsUrl = (query: string) => url(query).replace('http', 'ws');
  const handshake = async (headers: Record<string, string> = {}) => {
    const response = await fetch(url('transport=polling'), { headers });
    const text = await response.text();
    return {
      status: response.status,
      text,
      open: text.startsWith('0') ? (JSON.parse(text.slice(1)) as Record<string, unknown>) : undefined,
    };
  };
  const openWs = (query: string) => {
    const ws = new WebSocket(wsUrl(query));
    sockets.push(ws);
    ws.on('error', () => {});
    const messages: Array<string | Buffer> = [];
    const waiters: Array<(message: string | Buffer) => void> = [];
    ws.on('message', (data: Buffer, isBinary) => {
      const message = isBinary ? data : data.toString();
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else messages.push(message);
    });
    const next = () =>
      new Promise<string | Buffer>((resolve) => (messages.length > 0 ? resolve(messages.shift()!) : waiters.push(resolve)));
    return { ws, next };
  };
  return { node, engine, sessions, url, wsUrl, handshake, openWs };
}

describe('Engine.IO endpoint', () => {
  describe('handshake', () => {
    it('opens a polling session with the configured heartbeat and maxPayload', async () => {
      const { handshake } = await echoNode({ pingInterval: 1000, pingTimeout: 500, maxHttpBufferSize: 2000 });
      const { status, open } = await handshake();
      expect(status).toBe(200);
      expect(open).toEqual({ sid: expect.any(String), upgrades: ['websocket'], pingInterval: 1000, pingTimeout: 500, maxPayload: 2000 });
    });

    it('opens a WebSocket session that offers no upgrade', async () => {
      const { openWs } = await echoNode();
      const { next } = openWs('transport=websocket');
      const open = JSON.parse(String(await next()).slice(1)) as Record<string, unknown>;
      expect(open.upgrades).toEqual([]);
    });

    it.each([
      ['a missing EIO', 'transport=polling', 'GET', 5],
      ['EIO=3', 'EIO=3&transport=polling', 'GET', 5],
      ['an unknown transport', 'EIO=4&transport=abc', 'GET', 0],
      ['no transport', 'EIO=4', 'GET', 0],
      ['a POST handshake', 'EIO=4&transport=polling', 'POST', 2],
      ['a PUT handshake', 'EIO=4&transport=polling', 'PUT', 2],
      ['an unknown sid', 'EIO=4&transport=polling&sid=nope', 'GET', 1],
      ['a plain GET for the websocket transport', 'EIO=4&transport=websocket', 'GET', 3],
    ])('answers %s with 400 and its Engine.IO error code', async (_name, query, method, code) => {
      const { node } = await echoNode();
      const response = await fetch(`${node.base}/engine.io/?${query}`, { method, body: method === 'POST' ? '4x' : undefined });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { code: number }).code).toBe(code);
    });

    it('refuses origins the node does not allow, with 403', async () => {
      const { handshake, wsUrl } = await echoNode({}, { allowedOrigins: ['https://good.example'] });
      expect((await handshake({ origin: 'https://evil.example' })).status).toBe(403);
      expect((await handshake({ origin: 'https://good.example' })).status).toBe(200);
      const ws = new WebSocket(wsUrl('transport=websocket'), { origin: 'https://evil.example' });
      sockets.push(ws);
      ws.on('error', () => {});
      const [, response] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
      expect(response.statusCode).toBe(403);
    });

    it('reflects an allowed origin in CORS headers', async () => {
      const { handshake, url } = await echoNode();
      await handshake();
      const response = await fetch(url('transport=polling'), { headers: { origin: 'https://app.example' } });
      expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    });
  });

  describe('polling', () => {
    it('echoes text and binary packets in one payload', async () => {
      const { handshake, url } = await echoNode();
      const { open } = await handshake();
      const sid = open!.sid as string;
      const post = await fetch(url(`transport=polling&sid=${sid}`), { method: 'POST', body: '4hello\x1ebAQIDBA==' });
      expect(await post.text()).toBe('ok');
      const poll = await fetch(url(`transport=polling&sid=${sid}`));
      expect(poll.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
      expect(await poll.text()).toBe('4hello\x1ebAQIDBA==');
    });

    it('closes the session on a malformed payload', async () => {
      const { handshake, url, sessions } = await echoNode();
      const sid = (await handshake()).open!.sid as string;
      const closed = once(sessions[0]!, 'close');
      expect((await fetch(url(`transport=polling&sid=${sid}`), { method: 'POST', body: '4ok\x1ezz' })).status).toBe(400);
      expect((await closed)[0]).toBe('transport error');
      expect((await fetch(url(`transport=polling&sid=${sid}`))).status).toBe(400);
    });

    it('answers a second concurrent poll with 400 and the first with a close packet', async () => {
      const { handshake, url, sessions } = await echoNode();
      const sid = (await handshake()).open!.sid as string;
      const first = fetch(url(`transport=polling&sid=${sid}`));
      await until(() => sessions[0]!.transport.writable);
      const second = await fetch(url(`transport=polling&sid=${sid}`));
      expect(second.status).toBe(400);
      const response = await first;
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('1');
      expect((await fetch(url(`transport=polling&sid=${sid}`))).status).toBe(400);
    });

    it('refuses a POST body larger than maxHttpBufferSize with 413 and closes the session', async () => {
      const { handshake, url, sessions } = await echoNode({ maxHttpBufferSize: 100 });
      const sid = (await handshake()).open!.sid as string;
      const closed = once(sessions[0]!, 'close');
      const response = await fetch(url(`transport=polling&sid=${sid}`), { method: 'POST', body: `4${'x'.repeat(200)}` });
      expect(response.status).toBe(413);
      await closed;
    });

    it('releases a waiting poll with a noop when the client sends close', async () => {
      const { handshake, url, sessions } = await echoNode();
      const sid = (await handshake()).open!.sid as string;
      const poll = fetch(url(`transport=polling&sid=${sid}`));
      await until(() => sessions[0]!.transport.writable);
      await fetch(url(`transport=polling&sid=${sid}`), { method: 'POST', body: '1' });
      expect(await (await poll).text()).toBe('6');
      expect((await fetch(url(`transport=polling&sid=${sid}`))).status).toBe(400);
    });

    it('delivers a server close on the next poll, after what was sent before', async () => {
      const { handshake, url, sessions } = await echoNode();
      const sid = (await handshake()).open!.sid as string;
      sessions[0]!.send(['bye']);
      sessions[0]!.close();
      expect(await (await fetch(url(`transport=polling&sid=${sid}`))).text()).toBe('4bye\x1e1');
      expect((await fetch(url(`transport=polling&sid=${sid}`))).status).toBe(400);
    });
  });

  describe('websocket', () => {
    it('echoes text and binary frames and closes on a malformed one', async () => {
      const { openWs } = await echoNode();
      const { ws, next } = openWs('transport=websocket');
      await next();
      ws.send('4hello');
      expect(await next()).toBe('4hello');
      ws.send(Buffer.from([1, 2, 3]));
      expect(await next()).toEqual(Buffer.from([1, 2, 3]));
      ws.send('abc');
      await once(ws, 'close');
    });

    it('closes the session when no pong answers the ping within pingTimeout', async () => {
      const { openWs, sessions } = await echoNode({ pingInterval: 50, pingTimeout: 50 });
      const { ws, next } = openWs('transport=websocket');
      await next();
      expect(await next()).toBe('2');
      const [reason] = await once(sessions[0]!, 'close');
      expect(reason).toBe('ping timeout');
      await once(ws, 'close');
    });

    it('keeps a session whose client answers pings', async () => {
      const { openWs, sessions } = await echoNode({ pingInterval: 30, pingTimeout: 200 });
      const { ws, next } = openWs('transport=websocket');
      await next();
      for (let i = 0; i < 3; i++) {
        expect(await next()).toBe('2');
        ws.send('3');
      }
      expect(sessions[0]!.state).toBe('open');
    });

    it('refuses a frame larger than maxHttpBufferSize (close 1009)', async () => {
      const { openWs } = await echoNode({ maxHttpBufferSize: 100 });
      const { ws, next } = openWs('transport=websocket');
      await next();
      ws.send(`4${'x'.repeat(200)}`);
      const [code] = await once(ws, 'close');
      expect(code).toBe(1009);
    });
  });

  describe('upgrade', () => {
    it('probes, releases the poll with a noop, then carries the session over WebSocket', async () => {
      const { handshake, url, openWs, sessions } = await echoNode();
      const sid = (await handshake()).open!.sid as string;
      const poll = fetch(url(`transport=polling&sid=${sid}`));
      const { ws, next } = openWs(`transport=websocket&sid=${sid}`);
      await once(ws, 'open');
      ws.send('2probe');
      expect(await next()).toBe('3probe');
      expect(await (await poll).text()).toBe('6');
      const upgraded = once(sessions[0]!, 'upgrade');
      ws.send('5');
      await upgraded;
      expect(sessions[0]!.transport.name).toBe('websocket');
      ws.send('4hello');
      expect(await next()).toBe('4hello');
      expect((await fetch(url(`transport=polling&sid=${sid}`))).status).toBe(400);
    });

    it('closes a second WebSocket for an upgraded session', async () => {
      const { handshake, openWs, sessions } = await echoNode();
      const sid = (await handshake()).open!.sid as string;
      const { ws, next } = openWs(`transport=websocket&sid=${sid}`);
      await once(ws, 'open');
      ws.send('2probe');
      await next();
      const upgraded = once(sessions[0]!, 'upgrade');
      ws.send('5');
      await upgraded;
      const second = openWs(`transport=websocket&sid=${sid}`);
      await once(second.ws, 'close');
      expect(sessions[0]!.state).toBe('open');
    });

    it('closes a probe that sends anything but the probe ping', async () => {
      const { handshake, openWs, sessions } = await echoNode();
      const sid = (await handshake()).open!.sid as string;
      const { ws } = openWs(`transport=websocket&sid=${sid}`);
      await once(ws, 'open');
      ws.send('4early');
      await once(ws, 'close');
      expect(sessions[0]!.transport.name).toBe('polling');
    });
  });
});

/** Resolves once `condition` holds, checking after each turn of the event loop (no fixed delay). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The load generator's raw WebSocket client against a real `ws` WebSocketServer on port 0 (the
 * server checks the client's framing: it refuses unmasked frames), and against a bare `net`
 * server for byte-exact framing: frames one byte at a time, several in one chunk, a masked
 * frame from the server.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { FrameError, HandshakeError, RawWebSocket } from './raw-ws.mjs';

interface Closed {
  code: number;
  reason: string;
  error?: Error;
}

interface Client {
  ws: RawWebSocket;
  messages: string[];
  opened: Promise<void>;
  closed: Promise<Closed>;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function open(url: string, protocol?: string): Client {
  const messages: string[] = [];
  let opened!: () => void;
  let closed!: (value: Closed) => void;
  const client: Client = {
    ws: undefined as unknown as RawWebSocket,
    messages,
    opened: new Promise((resolve) => (opened = resolve)),
    closed: new Promise((resolve) => (closed = resolve)),
  };
  client.ws = new RawWebSocket(url, {
    protocol,
    onOpen: opened,
    onMessage: (text: string) => messages.push(text),
    onClose: (code: number, reason: string, error?: Error) => closed({ code, reason, error }),
  });
  cleanups.push(() => client.ws.terminate());
  return client;
}

/** A `ws` server on port 0; `onConnection` gets each server-side socket. */
async function wsServer(
  onConnection: (ws: ServerSocket) => void,
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<string> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false, ...options });
  wss.on('connection', onConnection);
  await new Promise((resolve) => wss.once('listening', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(resolve);
      }),
  );
  return `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
}

/** Resolves with the first message `ws` receives. */
const nextMessage = (ws: ServerSocket): Promise<string> => new Promise((resolve) => ws.once('message', (data) => resolve(data.toString())));

/** A bare TCP server that accepts the upgrade, then hands the socket to `onUpgraded`. */
async function rawServer(onUpgraded: (socket: Socket, response: string) => void): Promise<string> {
  const server: NetServer = createNetServer((socket) => {
    cleanups.push(() => socket.destroy());
    socket.once('data', (request) => {
      const key = /sec-websocket-key: (.*)\r\n/i.exec(request.toString())![1];
      const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
      onUpgraded(
        socket,
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

/** An unmasked server frame with a 7-bit length. */
const smallFrame = (opcode: number, text: string, fin = true): Buffer =>
  Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, Buffer.byteLength(text)]), Buffer.from(text)]);

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('RawWebSocket', () => {
  it('completes the handshake and exchanges masked text frames a ws server accepts', async () => {
    const url = await wsServer((ws) => ws.on('message', (data) => ws.send(`echo:${data.toString()}`)));
    const client = open(`${url}path?room=a%20b`);
    await client.opened;
    client.ws.send('hello é🚀');
    await until(() => client.messages.length === 1);
    expect(client.messages).toEqual(['echo:hello é🚀']);
    expect(client.ws.state).toBe('open');
  });

  it('offers a subprotocol and fails when the server does not accept it', async () => {
    const picking = await wsServer(() => {}, {
      handleProtocols: (protocols) => (protocols.has('relais.v1.json') ? 'relais.v1.json' : false),
    });
    const accepted = open(picking, 'relais.v1.json');
    await accepted.opened;
    const ignoring = await wsServer(() => {}, { handleProtocols: () => false });
    const refused = await open(ignoring, 'relais.v1.json').closed;
    expect(refused.error).toBeInstanceOf(HandshakeError);
    expect(refused.error?.message).toContain('server did not accept subprotocol relais.v1.json (answered none)');
  });

  it('reads messages with 7-bit, 16-bit and 64-bit lengths, and sends them', async () => {
    const sizes = [0, 5, 125, 126, 65_535, 65_536, 300_000];
    let server!: ServerSocket;
    const url = await wsServer((ws) => {
      server = ws;
      for (const size of sizes) ws.send('x'.repeat(size));
    });
    const client = open(url);
    await until(() => client.messages.length === sizes.length);
    expect(client.messages.map((text) => text.length)).toEqual(sizes);
    for (const size of [125, 126, 65_536, 300_000]) {
      const echoed = nextMessage(server);
      client.ws.send('y'.repeat(size));
      expect((await echoed).length).toBe(size);
    }
  });

  it('keeps the partial frames of concurrent sockets apart (they share one read buffer)', async () => {
    const message = (name: string, i: number): string => `${name}${i}:`.padEnd(150_000 + i * 7_001, name);
    const url = await wsServer((ws) =>
      ws.once('message', (name) => {
        for (let i = 0; i < 5; i++) ws.send(message(name.toString(), i));
      }),
    );
    const clients = ['a', 'b', 'c'].map((name) => ({ name, client: open(url) }));
    for (const { name, client } of clients) {
      await client.opened;
      client.ws.send(name);
    }
    await until(() => clients.every(({ client }) => client.messages.length === 5));
    for (const { name, client } of clients) expect(client.messages).toEqual([0, 1, 2, 3, 4].map((i) => message(name, i)));
  });

  it('joins a fragmented message, with a ping between its fragments', async () => {
    const pongs: string[] = [];
    const url = await wsServer((ws) => {
      ws.on('pong', (data) => pongs.push(data.toString()));
      ws.send('ab', { fin: false });
      ws.send('c'.repeat(200), { fin: false });
      ws.ping('between');
      ws.send('de', { fin: true });
      ws.send('next');
    });
    const client = open(url);
    await until(() => client.messages.length === 2 && pongs.length === 1);
    expect(client.messages).toEqual([`ab${'c'.repeat(200)}de`, 'next']);
    expect(pongs).toEqual(['between']);
  });

  it('answers a ping with a pong carrying its payload', async () => {
    const pong = new Promise<string>((resolve) => {
      void wsServer((ws) => {
        ws.once('pong', (data) => resolve(data.toString()));
        ws.ping('are you there');
      }).then((url) => open(url));
    });
    expect(await pong).toBe('are you there');
  });

  it("answers the server's close frame and reports its code and reason", async () => {
    let serverClosed!: Promise<number>;
    const url = await wsServer((ws) => {
      serverClosed = new Promise((resolve) => ws.once('close', resolve));
      ws.close(3008, 'slow consumer');
    });
    const client = open(url);
    expect(await client.closed).toEqual({ code: 3008, reason: 'slow consumer', error: undefined });
    expect(await serverClosed).toBe(3008);
    expect(client.ws.state).toBe('closed');
  });

  it('reports 1006 without an error when the server drops the TCP connection', async () => {
    const url = await wsServer((ws) => ws.terminate());
    expect(await open(url).closed).toEqual({ code: 1006, reason: '', error: undefined });
  });

  it('closes from the client side with a code the server sees', async () => {
    const serverClosed = new Promise<number>((resolve) => {
      void wsServer((ws) => ws.once('close', resolve)).then(async (url) => {
        const client = open(url);
        await client.opened;
        client.ws.close(4000, 'bye');
      });
    });
    expect(await serverClosed).toBe(4000);
  });

  it('reads nothing while paused, then the queued messages and the close once resumed', async () => {
    const url = await wsServer((ws) =>
      ws.once('message', () => {
        for (let i = 0; i < 3; i++) ws.send(`m${i}`);
        ws.close(3008, 'slow');
      }),
    );
    const client = open(url);
    await client.opened;
    client.ws.pause();
    client.ws.send('go');
    let closed: Closed | undefined;
    void client.closed.then((value) => (closed = value));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.messages).toEqual([]);
    expect(closed).toBeUndefined();
    client.ws.resume();
    expect(await client.closed).toEqual({ code: 3008, reason: 'slow', error: undefined });
    expect(client.messages).toEqual(['m0', 'm1', 'm2']);
  });

  it('fails with the status line when the server answers 404', async () => {
    const http: HttpServer = createServer((_req, res) => res.writeHead(404).end());
    http.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => http.close(resolve)));
    const { error, code } = await open(`ws://127.0.0.1:${(http.address() as { port: number }).port}/nowhere`).closed;
    expect(code).toBe(1006);
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error?.message).toMatch(/\/nowhere: server answered "HTTP\/1\.1 404 Not Found" instead of 101 Switching Protocols$/);
  });

  it('fails with the status line when a ws server refuses the client with 400', async () => {
    const url = await wsServer(() => {}, { verifyClient: (_info, done) => done(false, 400, 'Bad Request') });
    const { error } = await open(url).closed;
    expect(error).toBeInstanceOf(HandshakeError);
    expect(error?.message).toContain('server answered "HTTP/1.1 400 Bad Request"');
  });

  it('parses a handshake and frames that arrive one byte at a time', async () => {
    const url = await rawServer(async (socket, response) => {
      const bytes = Buffer.concat([
        Buffer.from(response),
        smallFrame(0x1, 'one'),
        smallFrame(0x1, 'tw', false),
        smallFrame(0x0, 'o'),
        smallFrame(0x2, 'three'),
      ]);
      for (const byte of bytes) {
        socket.write(Buffer.from([byte]));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
    const client = open(url);
    await until(() => client.messages.length === 3);
    expect(client.messages).toEqual(['one', 'two', 'three']);
  });

  it('parses the handshake and several frames from one chunk, and stops at the close frame', async () => {
    const close = Buffer.from([0x88, 0x02, 0x0b, 0xc0]); // close 3008, no reason
    const url = await rawServer((socket, response) => {
      socket.write(
        Buffer.concat([Buffer.from(response), smallFrame(0x1, 'a'), smallFrame(0x1, 'b'), close, smallFrame(0x1, 'after close')]),
      );
    });
    const client = open(url);
    expect(await client.closed).toEqual({ code: 3008, reason: '', error: undefined });
    expect(client.messages).toEqual(['a', 'b']);
  });

  it('fails on a masked frame from the server', async () => {
    const url = await rawServer((socket, response) => {
      socket.write(Buffer.concat([Buffer.from(response), Buffer.from([0x81, 0x81, 0, 0, 0, 0, 0x61])]));
    });
    const { error } = await open(url).closed;
    expect(error).toBeInstanceOf(FrameError);
    expect(error?.message).toBe('masked frame from the server');
  });
});

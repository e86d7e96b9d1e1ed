/**
 * @module testkit/http-client
 * Clients of the node's HTTP transports for tests: one request per connection (so a balancer
 * alternates per request), an SSE or HTTP stream read frame by frame, the emulation POST, and a
 * round-robin TCP balancer. Streams and balancers are closed after each test (vitest afterEach).
 */
import { request, type IncomingMessage } from 'node:http';
import { connect as tcpConnect, createServer, type Server, type Socket } from 'node:net';
import { afterEach } from 'vitest';
import { EMULATION_PATH, HTTP_STREAM_PATH, SESSION_HEADER, SSE_PATH } from '../transports/http-streams.js';

const streams: IncomingMessage[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const stream of streams.splice(0)) stream.destroy();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

export interface HttpResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One HTTP request on a connection of its own (so a balancer alternates per request). */
export function send(
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A stream being read: its frames as they come (SSE events or JSON lines), and its end. */
export interface OpenStream {
  session: string;
  headers: IncomingMessage['headers'];
  /** The response being read (destroy it to cut the stream). */
  response: IncomingMessage;
  /** Resolves with the next frame that matches. */
  next(match?: (frame: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  ended: Promise<void>;
}

export function openStream(
  base: string,
  kind: 'sse' | 'http_stream',
  body?: string,
  headers: Record<string, string> = {},
): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const method = kind === 'sse' ? 'GET' : 'POST';
    const req = request(`${base}${kind === 'sse' ? SSE_PATH : HTTP_STREAM_PATH}`, { method, headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      streams.push(res);
      res.setEncoding('utf8');
      const frames: Record<string, unknown>[] = [];
      const waiters: (() => void)[] = [];
      let buffer = '';
      let session = typeof res.headers[SESSION_HEADER] === 'string' ? res.headers[SESSION_HEADER] : '';
      const ended = new Promise<void>((done) => res.on('end', done));
      const push = (text: string): void => {
        for (const line of text.split('\n')) if (line !== '') frames.push(JSON.parse(line) as Record<string, unknown>);
        for (const wake of waiters.splice(0)) wake();
      };
      let ready = false;
      const onData = (chunk: string): void => {
        buffer += chunk;
        const separator = kind === 'sse' ? '\n\n' : '\n';
        let at: number;
        while ((at = buffer.indexOf(separator)) >= 0) {
          const item = buffer.slice(0, at);
          buffer = buffer.slice(at + separator.length);
          if (kind === 'http_stream') {
            push(item);
            continue;
          }
          const lines = item.split('\n');
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
          const data = lines
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (event === 'session') session = data;
          else push(data);
        }
        if (!ready && session !== '') {
          ready = true;
          resolve({ session, headers: res.headers, response: res, next, ended });
        }
      };
      const next = async (match: (frame: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> => {
        for (;;) {
          const index = frames.findIndex(match);
          if (index >= 0) return frames.splice(index, 1)[0]!;
          await new Promise<void>((wake) => waiters.push(wake));
        }
      };
      res.on('data', onData);
      if (kind === 'http_stream' && session !== '') {
        ready = true;
        resolve({ session, headers: res.headers, response: res, next, ended });
      }
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const emulate = (base: string, session: string, commands: unknown[]): Promise<HttpResponse> =>
  send(base, 'POST', EMULATION_PATH, commands.map((command) => JSON.stringify(command)).join('\n'), { [SESSION_HEADER]: session });

/** A TCP balancer that sends each new connection to the next backend, round robin: no stickiness. */
export async function roundRobin(ports: () => number[]): Promise<string> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const list = ports();
    const backend = tcpConnect(list[next++ % list.length]!, '127.0.0.1');
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    }
    client.pipe(backend).pipe(client);
  });
  server.on('close', () => sockets.forEach((socket) => socket.destroy()));
  const close = server.close.bind(server);
  server.close = ((callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  }) as typeof server.close;
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

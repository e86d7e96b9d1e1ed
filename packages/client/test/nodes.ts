/**
 * @module test/nodes
 * Real relais nodes for end-to-end tests: start one on a port (0 picks a free one), kill it the
 * way a crash looks to clients, and wait for conditions without sleeping blindly.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { createRelais, type Relais, type RelaisOptions } from '@relais/server';

export interface Node {
  relais: Relais;
  http: Server;
  sockets: Set<Socket>;
  port: number;
}

export async function startNode(port: number, options: RelaisOptions = {}, handler?: RequestListener): Promise<Node> {
  const relais = createRelais(options);
  const http = createServer(handler ?? ((_req, res) => res.end('relais test')));
  const sockets = new Set<Socket>();
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  relais.attach(http);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  const address = http.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { relais, http, sockets, port: address.port };
}

/** A crash as the client sees it: every socket destroyed at once, no close frame, port freed. */
export async function killNode(node: Node): Promise<void> {
  for (const socket of node.sockets) socket.destroy();
  await new Promise<void>((resolve) => node.http.close(() => resolve()));
  await node.relais.close();
}

export function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(check, 5);
    };
    check();
  });
}

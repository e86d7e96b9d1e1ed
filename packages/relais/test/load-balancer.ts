/**
 * @module test/load-balancer
 * A TCP load balancer for cluster tests: round robin over backends, no stickiness. A backend
 * that refuses the connection (a dead node) is skipped, as a balancer's health check would.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class LoadBalancer {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #next = 0;
  port = 0;

  /** `ports` is read on every connection, so the test may change it. */
  constructor(readonly ports: number[]) {
    this.#server = createServer((client) => this.#route(client, 0));
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/connection/websocket`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => {});
  }

  #route(client: Socket, tried: number): void {
    if (tried === 0) this.#track(client);
    if (tried >= this.ports.length) {
      client.destroy();
      return;
    }
    const port = this.ports[this.#next++ % this.ports.length] as number;
    const backend = connect(port, '127.0.0.1');
    this.#track(backend);
    backend.once('connect', () => {
      client.pipe(backend);
      backend.pipe(client);
      client.on('close', () => backend.destroy());
      backend.on('close', () => client.destroy());
    });
    backend.once('error', () => {
      if (!backend.readableEnded && backend.connecting) this.#route(client, tried + 1);
    });
  }
}

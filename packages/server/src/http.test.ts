import { connect, type Socket } from 'node:net';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestClient } from './testkit/ws-client.js';
import type { HttpFallback } from './http.js';
import type { Logger } from './logger.js';
import { createRelais, type Relais } from './node.js';

describe('the node HTTP handler', () => {
  let relais: Relais | undefined;
  afterEach(async () => {
    await relais?.close();
  });

  const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };

  async function base(fallback?: HttpFallback): Promise<string> {
    relais = createRelais({ logger });
    const { port } = await relais.listen({ port: 0, fallback });
    return `http://127.0.0.1:${port}`;
  }

  it('answers /health itself and passes other requests to the fallback', async () => {
    const url = await base((req, res) => {
      if (req.url !== '/hello') return false;
      res.end('hi');
      return true;
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(await (await fetch(`${url}/hello`)).text()).toBe('hi');
    const missing = await fetch(`${url}/other`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not found' });
  });

  it('answers 500 when the fallback fails, and 404 without a fallback', async () => {
    const url = await base(async () => {
      throw new Error('disk on fire');
    });
    const failed = await fetch(`${url}/x`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'internal server error' });
    expect(logger.error).toHaveBeenCalledWith({ err: new Error('disk on fire') }, 'http fallback failed');
    await relais!.close();
    expect((await fetch(`${await base()}/x`)).status).toBe(404);
  });

  describe('sockets that are not relais connections yet', () => {
    const sockets: Socket[] = [];
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.destroy();
    });

    /** A TCP connection that starts an upgrade and never finishes its headers. */
    function halfUpgrade(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
      return new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write('GET /connection/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n');
          let received = '';
          socket.on('data', (chunk) => (received += chunk.toString()));
          resolve({ socket, closed: new Promise((done) => socket.once('close', () => done(received))) });
        });
        socket.once('error', reject);
        sockets.push(socket);
      });
    }

    it('closes a new socket at once past limits.maxPendingConnections, and counts it', async () => {
      relais = createRelais({ logger, limits: { maxPendingConnections: 3 } });
      const { port } = await relais.listen({ port: 0 });
      const held = await Promise.all([halfUpgrade(port), halfUpgrade(port), halfUpgrade(port)]);
      const refused = await halfUpgrade(port);
      expect(await refused.closed).toBe('');
      expect(relais.stats().refusedUpgrades).toEqual({ pending: 1 });
      // Once one of them goes, WebSockets get in again; upgraded ones no longer count.
      held[0]!.socket.destroy();
      await held[0]!.closed;
      const url = `ws://127.0.0.1:${port}/connection/websocket`;
      const clients: TestClient[] = [];
      for (let i = 0; i < 3; i++) clients.push(await TestClient.open(url, { protocols: JSON_SUBPROTOCOL }));
      for (const client of clients) expect(await client.call('connect')).toMatchObject({ client: expect.any(String) });
      await Promise.all(clients.map((client) => client.close()));
    });

    it('answers 408 and closes a socket that does not finish its headers within limits.handshakeTimeoutMs', async () => {
      relais = createRelais({ logger, limits: { handshakeTimeoutMs: 200 } });
      const { port } = await relais.listen({ port: 0 });
      const { closed } = await halfUpgrade(port);
      expect(await closed).toMatch(/^HTTP\/1\.1 408 /);
      expect(relais.connections).toBe(0);
    });
  });
});

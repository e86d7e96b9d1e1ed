import { createRelais } from '@relais/server';
import { describe, expect, it } from 'vitest';
import { Server } from './server.js';

describe('the node per-IP connection rate', () => {
  it('applies to Socket.IO handshakes (429), counted as the node counts its own refusals', async () => {
    const relais = createRelais({ limits: { perIp: { connections: { perSecond: 0.001, burst: 2 } } } });
    const { port } = await relais.listen({ port: 0 });
    const io = new Server(relais);
    try {
      const handshake = () => fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`);
      expect((await handshake()).status).toBe(200);
      expect((await handshake()).status).toBe(200);
      const refused = await handshake();
      expect(refused.status).toBe(429);
      expect(await refused.text()).toContain('too many connection attempts from this address');
      expect(relais.stats().refusedUpgrades).toEqual({ rate: 1 });
    } finally {
      await io.close();
      await relais.close();
    }
  });
});

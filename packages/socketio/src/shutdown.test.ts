import { createRelais } from '@relais/server';
import { io as connect } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { Server } from './server.js';

function nextEvent(emitter: { once(event: string, listener: (...args: never[]) => void): unknown }, event: string): Promise<unknown[]> {
  return new Promise((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args)));
}

describe('node shutdown', () => {
  it.each([['polling'], ['websocket']] as const)('relais.close() ends Socket.IO connections over %s and resolves', async (transport) => {
    const relais = createRelais();
    const { port } = await relais.listen({ port: 0 });
    const io = new Server(relais);
    const socket = connect(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports: [transport] });
    await nextEvent(socket, 'connect');
    const disconnected = nextEvent(socket, 'disconnect');
    await relais.close();
    expect(typeof (await disconnected)[0]).toBe('string');
    await io.close();
    expect(io.engine.size).toBe(0);
    socket.disconnect();
  });
});

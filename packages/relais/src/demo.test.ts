import { OptionsError } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { installDemo } from './demo.js';

const start = useTestNodes();

describe('installDemo', () => {
  it('installs the chat and the counter, and the disposer removes both', async () => {
    const { relais, connect } = await start();
    const dispose = installDemo(relais, { rooms: ['only'] });
    const client = await connect();
    expect(await client.call('rpc', { method: 'chat.rooms' })).toEqual({ data: { rooms: ['only'] } });
    expect(await client.call('rpc', { method: 'counter.get' })).toEqual({ data: { count: 0 } });
    dispose();
    expect(await client.command('rpc', { method: 'chat.rooms' })).toMatchObject({ error: { code: 104 } });
    expect(await client.command('rpc', { method: 'counter.get' })).toMatchObject({ error: { code: 104 } });
  });

  it("serves the counter's Socket.IO page server at /socket.io/, sharing the native count", async () => {
    const { relais, connect, base } = await start();
    const dispose = installDemo(relais);
    const client = await connect();
    expect(await client.call('rpc', { method: 'counter.increment' })).toEqual({ data: { count: 1 } });
    const socket = io(base, { forceNew: true, reconnection: false });
    try {
      expect(await new Promise((resolve) => socket.once('click', resolve))).toBe(1);
      // The count 1 comes twice (replayed through the seed, and as the new socket's count): wait for 2.
      const next = new Promise((resolve) => socket.on('click', (count: number) => count === 2 && resolve(count)));
      socket.emit('click');
      expect(await next).toBe(2);
      expect(await client.call('rpc', { method: 'counter.get' })).toEqual({ data: { count: 2 } });
    } finally {
      socket.disconnect();
      dispose();
    }
  });

  it('throws OptionsError on bad options', async () => {
    const { relais } = await start();
    expect(() => installDemo(relais, { maxRooms: 0 })).toThrow(OptionsError);
  });
});

import { OptionsError } from '@relais/server';
import { useTestNodes } from '@relais/server/testkit';
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

  it('throws OptionsError on bad options', async () => {
    const { relais } = await start();
    expect(() => installDemo(relais, { maxRooms: 0 })).toThrow(OptionsError);
  });
});

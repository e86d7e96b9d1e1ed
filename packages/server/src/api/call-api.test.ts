import { describe, expect, it } from 'vitest';
import { useTestNodes } from '../testkit/test-node.js';
import { ApiError } from './errors.js';

const start = useTestNodes();

describe('relais.callApi', () => {
  it('runs a server API method in-process without API keys', async () => {
    const { relais, connect } = await start({ namespaces: { room: {} } });
    const client = await connect();
    await client.call('subscribe', { channel: 'room:1' });
    expect(await relais.callApi('channels', {})).toEqual({ channels: { 'room:1': { subscribers: 1 } } });
    await relais.callApi('publish', { channel: 'room:1', data: { n: 1 } });
    expect(await client.nextPush((push) => push.type === 'publication')).toMatchObject({ channel: 'room:1', data: { n: 1 } });
  });

  it('rejects with the API’s errors: unknown method, bad params, unknown namespace', async () => {
    const { relais } = await start({ namespaces: { room: {} } });
    await expect(relais.callApi('nope', {})).rejects.toMatchObject({ name: 'ApiError', code: 104, status: 404 });
    await expect(relais.callApi('publish', { channel: 'room:1' })).rejects.toBeInstanceOf(ApiError);
    await expect(relais.callApi('publish', { channel: 'room:1', extra: 1 })).rejects.toMatchObject({ code: 107 });
    await expect(relais.callApi('publish', { channel: 'other:1', data: 1 })).rejects.toMatchObject({ code: 102 });
  });
});

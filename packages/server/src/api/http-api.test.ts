import { request } from 'node:http';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../logger.js';
import { MemoryBroker } from '../memory/memory-broker.js';
import { createRelais } from '../node.js';
import { delegatingBroker } from '../testkit/delegating-broker.js';
import { callApi } from '../testkit/api-client.js';
import { useTestNodes } from '../testkit/test-node.js';
import { TestClient } from '../testkit/ws-client.js';

const KEY = 'k-0123456789abcdef';
const OLD_KEY = 'k-old-0123456789';
const start = useTestNodes();

const node = (options = {}) => start({ apiKeys: [KEY, OLD_KEY], namespaces: { chat: {} }, ...options });

/** Sends `size` bytes of body with node:http and resolves with the status and body. */
function postBytes(base: string, size: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/publish`, { method: 'POST', headers: { authorization: `apikey ${KEY}`, ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(Buffer.alloc(size, 0x20));
  });
}

describe('the HTTP server API', () => {
  it('publishes to a real WebSocket subscriber', async () => {
    const { base, connect } = await node();
    const subscriber = await connect();
    await subscriber.call('subscribe', { channel: 'chat:lobby' });
    const { status, body } = await callApi(base, 'publish', { channel: 'chat:lobby', data: { text: 'hi' } }, { key: KEY });
    expect({ status, body }).toEqual({ status: 200, body: { result: {} } });
    expect(await subscriber.nextPush((push) => push.type === 'publication')).toEqual({
      type: 'publication',
      channel: 'chat:lobby',
      data: { text: 'hi' },
    });
  });

  it('takes the key as Authorization: apikey, as X-API-Key, and any of several keys', async () => {
    const { base } = await node();
    const params = { channel: 'chat:a', data: 1 };
    expect((await callApi(base, 'publish', params, { key: KEY })).status).toBe(200);
    expect((await callApi(base, 'publish', params, { key: OLD_KEY })).status).toBe(200);
    expect((await callApi(base, 'publish', params, { headers: { 'x-api-key': KEY } })).status).toBe(200);
    expect((await callApi(base, 'publish', params, { headers: { authorization: `APIKEY ${KEY}` } })).status).toBe(200);
    expect((await callApi(base, 'publish', params, { headers: { authorization: 'Bearer jwt', 'x-api-key': KEY } })).status).toBe(200);
  });

  it.each([
    ['no key', {}],
    ['a wrong key', { key: 'nope' }],
    ['a key that is a prefix of a right one', { key: KEY.slice(0, -1) }],
    ['a bearer token', { headers: { authorization: `Bearer ${KEY}` } }],
    ['an empty X-API-Key', { headers: { 'x-api-key': '' } }],
  ])('refuses %s with 401 and code 101', async (_name, options) => {
    const { base } = await node();
    const { status, body } = await callApi(base, 'publish', { channel: 'chat:a', data: 1 }, options);
    expect(status).toBe(401);
    expect(body.error).toMatchObject({ code: 101, temporary: false });
    expect(body.error?.message).toMatch(/API key/);
  });

  it('answers an unknown method with 404 and code 104, even in a batch', async () => {
    const { base } = await node();
    const { status, body } = await callApi(base, 'publsh', {}, { key: KEY });
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 104, message: 'unknown method "publsh" (see /api/openapi.json)', temporary: false });
    expect((await callApi(base, '', {}, { key: KEY })).status).toBe(404);
  });

  it('answers other HTTP methods than POST with 405', async () => {
    const { base } = await node();
    const { status, body } = await callApi(base, 'publish', undefined, { key: KEY, httpMethod: 'GET' });
    expect(status).toBe(405);
    expect(body.error).toMatchObject({ code: 107, message: 'use POST /api/<method>' });
  });

  it.each([
    ['not JSON', '{"channel": '],
    ['JSON that is not an object', '[1, 2]'],
    ['a string', '"publish"'],
  ])('answers a body that is %s with 400 and code 107', async (_name, rawBody) => {
    const { base } = await node();
    const { status, body } = await callApi(base, 'publish', undefined, { key: KEY, rawBody });
    expect(status).toBe(400);
    expect(body.error?.code).toBe(107);
  });

  it('answers a body larger than apiMaxBodyBytes with 413 and code 106, and keeps serving', async () => {
    const { base } = await node({ apiMaxBodyBytes: 1024 });
    const declared = await postBytes(base, 4096);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toEqual({
      error: { code: 106, message: 'the body is larger than 1024 bytes (apiMaxBodyBytes)', temporary: false },
    });
    // Sent in chunks without a Content-Length: the cap applies as the body comes.
    const chunked = await postBytes(base, 4096, { 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect((await callApi(base, 'publish', { channel: 'chat:a', data: 'x'.repeat(900) }, { key: KEY })).status).toBe(200);
  });

  it('counts calls by method and error replies by code in stats().api', async () => {
    const { relais, base } = await node();
    await callApi(base, 'publish', { channel: 'chat:a', data: 1 }, { key: KEY });
    await callApi(base, 'publish', { channel: 'chat:a' }, { key: KEY });
    await callApi(base, 'publish', { channel: 'chat:a', data: 1 });
    await callApi(base, 'no_such_method', {}, { key: KEY });
    expect(relais.stats().api).toEqual({ calls: { publish: 2 }, errors: { '101': 1, '104': 1, '107': 1 } });
    // The errors of a batch's or a broadcast's items count too, though their call succeeds.
    const batch = { commands: [{ method: 'publish', params: { channel: 'chat:a' } }, { method: 'nope' }] };
    expect((await callApi(base, 'batch', batch, { key: KEY })).status).toBe(200);
    expect((await callApi(base, 'broadcast', { channels: ['chat:a', 'bad channel\u0000'], data: 1 }, { key: KEY })).status).toBe(200);
    expect(relais.stats().api?.errors).toEqual({ '101': 1, '104': 2, '107': 3 });
    const off = await start();
    expect(off.relais.stats()).not.toHaveProperty('api');
  });

  it('counts in the Prometheus metrics of the node', async () => {
    const { base } = await node({ metrics: true });
    await callApi(base, 'publish', { channel: 'chat:a', data: 1 }, { key: KEY });
    await callApi(base, 'publish', { channel: 'chat:a', data: 1 }, { key: 'wrong' });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('relais_api_calls_total{method="publish"} 1\n');
    expect(text).toContain('relais_api_errors_total{code="101"} 1\n');
    expect(text).toContain('relais_api_call_duration_seconds_count{method="publish"} 1\n');
  });

  it('serves its OpenAPI document without a key', async () => {
    const { base } = await node();
    const response = await fetch(`${base}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('is off without apiKeys, and says so at startup', async () => {
    const lines: string[] = [];
    const log = (_fields: object, message?: string) => lines.push(message ?? '');
    const logger: Logger = { debug: () => {}, info: log, warn: log, error: log };
    const { base } = await start({ logger });
    expect((await callApi(base, 'publish', { channel: 'a', data: 1 }, { key: KEY })).status).toBe(404);
    expect(lines).toContain('server API off: no API key (option apiKeys, or RELAIS_API_KEY for relais serve)');
  });

  it('serves the API on apiPort only when one is given', async () => {
    const relais = createRelais({ apiKeys: [KEY], apiPort: 0 });
    try {
      const { port, api } = await relais.listen({ port: 0 });
      const base = `http://127.0.0.1:${port}`;
      const apiBase = `http://127.0.0.1:${api?.port}`;
      expect(api?.port).not.toBe(port);
      expect((await callApi(base, 'info', {}, { key: KEY })).status).toBe(404);
      const subscriber = await TestClient.open(`ws://127.0.0.1:${port}${relais.options.path}`, { protocols: JSON_SUBPROTOCOL });
      await subscriber.call('connect');
      await subscriber.call('subscribe', { channel: 'news' });
      expect((await callApi(apiBase, 'publish', { channel: 'news', data: 'up' }, { key: KEY })).status).toBe(200);
      expect(await subscriber.nextPush((push) => push.type === 'publication')).toMatchObject({ data: 'up' });
      expect((await fetch(`${apiBase}/health`)).status).toBe(404);
      await subscriber.close();
    } finally {
      await relais.close();
    }
  });
});

describe('the HTTP server API of a node shutting down', () => {
  it('answers 503, temporary, so that the backend retries on another node', async () => {
    // The engine's close waits for the test: the node stays in 'closing', its port still open.
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const inner = new MemoryBroker();
    const broker = delegatingBroker(inner, { close: () => gate.then(() => inner.close()) });
    const relais = createRelais({ apiKeys: [KEY], engine: { broker } });
    const { port } = await relais.listen({ port: 0 });
    const closed = relais.close();
    const { status, body } = await callApi(`http://127.0.0.1:${port}`, 'info', {}, { key: KEY });
    expect(status).toBe(503);
    expect(body.error).toEqual({ code: 100, message: 'the node is shutting down: retry on another node', temporary: true });
    release();
    await closed;
  });
});

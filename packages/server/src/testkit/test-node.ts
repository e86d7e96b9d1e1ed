/**
 * @module testkit/test-node
 * Nodes for end-to-end tests: each listens on 127.0.0.1 port 0 and hands out raw test clients;
 * every node and client is closed after each test. Imports vitest (`afterEach`).
 */
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { afterEach } from 'vitest';
import { createRelais, type Relais } from '../node.js';
import type { RelaisOptions } from '../options.js';
import { TestClient, type TestClientOptions } from './ws-client.js';

/** A listening node and ways to reach it. */
export interface TestNode {
  relais: Relais;
  /** WebSocket URL of the node's endpoint. */
  url: string;
  /** HTTP base URL, e.g. for `/health`. */
  base: string;
  /** Opens a client (JSON subprotocol unless told) without sending connect. */
  open(options?: TestClientOptions): Promise<TestClient>;
  /** Opens a client and sends connect with `params`; the client carries its id. */
  connect(options?: TestClientOptions, params?: unknown): Promise<TestClient & { id: string }>;
}

/**
 * Registers the cleanup and returns a starter of nodes; call it at the top of a test file.
 * @example
 * const start = useTestNodes();
 * it('answers an RPC', async () => {
 *   const { relais, connect } = await start();
 *   relais.rpc('hello', () => 'hi');
 *   expect(await (await connect()).call('rpc', { method: 'hello' })).toEqual({ data: 'hi' });
 * });
 */
export function useTestNodes(): (options?: RelaisOptions) => Promise<TestNode> {
  let nodes: Relais[] = [];
  let clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => node.close()));
    nodes = [];
    clients = [];
  });
  return async (options = {}) => {
    const relais = createRelais(options);
    nodes.push(relais);
    const { port } = await relais.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    const url = `ws://127.0.0.1:${port}${relais.options.path}`;
    const open = async (clientOptions: TestClientOptions = { protocols: JSON_SUBPROTOCOL }) => {
      const client = await TestClient.open(url, clientOptions);
      clients.push(client);
      return client;
    };
    const connect = async (clientOptions?: TestClientOptions, params?: unknown) => {
      const client = await open(clientOptions);
      const result = await client.call<{ client: string }>('connect', params);
      return Object.assign(client, { id: result.client });
    };
    return { relais, url, base, open, connect };
  };
}

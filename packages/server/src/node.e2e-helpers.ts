/**
 * @module node.e2e-helpers
 * Shared setup of the end-to-end tests: a listening node on port 0 and clients that are all
 * closed after each test. Imports vitest: test-only (excluded from the build by name).
 */
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { afterEach } from 'vitest';
import { createRelais, type Relais } from './node.js';
import type { RelaisOptions } from './options.js';
import { TestClient, type TestClientOptions } from './testkit/ws-client.js';

export interface E2e {
  relais: Relais;
  url: string;
  base: string;
  open(options?: TestClientOptions): Promise<TestClient>;
  /** Opens a client and sends connect; resolves with the client and its ConnectResult. */
  connect(options?: TestClientOptions, params?: unknown): Promise<TestClient & { id: string }>;
}

export function useE2e(): (options?: RelaisOptions) => Promise<E2e> {
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

import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpRoutes, type HttpRoute } from './http-routes.js';
import { createRelais, type Relais } from './node.js';
import { TestClient } from './testkit/ws-client.js';

describe('HttpRoutes', () => {
  const route = (path: string): HttpRoute => ({ path, request: () => true });

  it('matches exact paths, then the longest prefix, with or without its trailing slash', () => {
    const routes = new HttpRoutes();
    const metrics = route('/metrics');
    const api = route('/api/');
    const apiAdmin = route('/api/admin/');
    for (const r of [metrics, api, apiAdmin]) routes.add(r);
    expect(routes.match('/metrics')).toBe(metrics);
    expect(routes.match('/metrics/x')).toBeUndefined();
    expect(routes.match('/api/publish')).toBe(api);
    expect(routes.match('/api')).toBe(api);
    expect(routes.match('/api/admin/users')).toBe(apiAdmin);
    expect(routes.match('/apix')).toBeUndefined();
    expect(routes.match('/')).toBeUndefined();
  });

  it('refuses a taken path or a malformed one, and forgets a disposed route', () => {
    const routes = new HttpRoutes();
    const dispose = routes.add(route('/api/'));
    expect(() => routes.add(route('/api/'))).toThrow('the route /api/ is already served');
    for (const bad of ['api', '/a?b', '/a b', '/a#b'])
      expect(() => routes.add(route(bad))).toThrow('a route path must start with / and hold no query, fragment or space');
    dispose();
    expect(routes.match('/api/x')).toBeUndefined();
    routes.add(route('/api/'));
  });

  it("treats '/' as an exact path, not a prefix of everything", () => {
    const routes = new HttpRoutes();
    const root = route('/');
    routes.add(root);
    expect(routes.match('/')).toBe(root);
    expect(routes.match('/anything')).toBeUndefined();
  });
});

describe('relais.route', () => {
  let relais: Relais | undefined;
  afterEach(async () => {
    await relais?.close();
  });

  it('serves requests before the fallback, lets a declining route fall through, and 404s what nobody serves', async () => {
    relais = createRelais();
    relais.route({ path: '/hello', request: (_req, res) => (res.end('hi'), true) });
    relais.route({ path: '/maybe/', request: (req, res) => (req.url === '/maybe/yes' ? (res.end('yes'), true) : false) });
    const { port } = await relais.listen({
      port: 0,
      fallback: (req, res) => (req.url === '/maybe/no' ? (res.end('fallback'), true) : false),
    });
    const url = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${url}/hello`)).text()).toBe('hi');
    expect(await (await fetch(`${url}/maybe/yes`)).text()).toBe('yes');
    expect(await (await fetch(`${url}/maybe/no`)).text()).toBe('fallback');
    expect((await fetch(`${url}/maybe/other`)).status).toBe(404);
    // Added after listen: served at once.
    const dispose = relais.route({ path: '/late', request: (_req, res) => (res.end('late'), true) });
    expect(await (await fetch(`${url}/late`)).text()).toBe('late');
    dispose();
    expect((await fetch(`${url}/late`)).status).toBe(404);
  });

  it('answers 500 when a route fails', async () => {
    relais = createRelais();
    relais.route({
      path: '/broken',
      request: () => {
        throw new Error('broken route');
      },
    });
    const { port } = await relais.listen({ port: 0 });
    const res = await fetch(`http://127.0.0.1:${port}/broken`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal server error' });
  });

  it('routes upgrades by path, and refuses to take the WebSocket path twice', async () => {
    relais = createRelais();
    expect(() => relais!.route({ path: '/connection/websocket', request: () => true })).toThrow('already served');
    let upgraded = 0;
    relais.route({
      path: '/other-ws',
      upgrade: (_req, socket) => {
        upgraded++;
        socket.destroy();
      },
    });
    const { port } = await relais.listen({ port: 0 });
    await expect(TestClient.open(`ws://127.0.0.1:${port}/other-ws`, { protocols: JSON_SUBPROTOCOL })).rejects.toThrow();
    expect(upgraded).toBe(1);
    const client = await TestClient.open(`ws://127.0.0.1:${port}/connection/websocket`, { protocols: JSON_SUBPROTOCOL });
    client.close();
  });
});

import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeOf } from './content-types.js';
import { createStaticHandler } from './static-handler.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path is sent exactly as given (no URL normalisation). */
function get(port: number, path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createStaticHandler', () => {
  let root: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'relais-static-'));
    const chat = join(root, 'apps', 'chat');
    const counter = join(root, 'apps', 'counter');
    await mkdir(join(chat, 'assets'), { recursive: true });
    await mkdir(counter, { recursive: true });
    await writeFile(join(chat, 'index.html'), '<!doctype html><title>chat</title>');
    await writeFile(join(chat, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(chat, 'assets', 'index-abc123.css'), 'body{}');
    await writeFile(join(chat, 'favicon.svg'), '<svg/>');
    await writeFile(join(counter, 'index.html'), '<!doctype html><title>counter</title>');
    await writeFile(join(root, 'apps', 'secret.txt'), 'do not serve');
    await symlink(join(root, 'apps', 'secret.txt'), join(chat, 'leak.txt'));
    const serve = createStaticHandler([
      { prefix: '/', dir: chat },
      { prefix: '/counter', dir: counter, headers: { 'x-frame-options': 'DENY' } },
    ]);
    server = createServer((req, res) => {
      void serve(req, res).then((handled) => {
        if (!handled) res.writeHead(418).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  it('serves index.html for / with an HTML content type and no long caching', async () => {
    const answer = await get(port, '/');
    expect(answer).toMatchObject({ status: 200, body: '<!doctype html><title>chat</title>' });
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
  });

  it('serves hashed assets with their content type, cached for good', async () => {
    const js = await get(port, '/assets/index-abc123.js?v=1');
    expect(js).toMatchObject({ status: 200, body: 'console.log(1)' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(port, '/assets/index-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await get(port, '/favicon.svg')).headers['content-type']).toBe('image/svg+xml');
  });

  it('serves the counter under /counter/ and redirects /counter there, query kept', async () => {
    const counterPage = await get(port, '/counter/');
    expect(counterPage).toMatchObject({ status: 200, body: '<!doctype html><title>counter</title>' });
    expect(counterPage.headers['x-frame-options']).toBe('DENY');
    expect((await get(port, '/')).headers['x-frame-options']).toBeUndefined();
    const redirect = await get(port, '/counter?x=1');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/counter/?x=1');
    expect((await get(port, '/counterfeit')).status).toBe(404);
  });

  it('answers HEAD with the headers only and other methods with 405', async () => {
    const head = await get(port, '/', 'HEAD');
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-length']).toBe('34');
    const post = await get(port, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('answers 404 for missing files', async () => {
    expect(await get(port, '/nope.js')).toMatchObject({ status: 404, body: 'not found\n' });
    expect((await get(port, '/assets/')).status).toBe(404);
  });

  it.each([
    ['/../secret.txt', [400, 404]],
    ['/assets/../../secret.txt', [400, 404]],
    ['/%2e%2e/secret.txt', [400, 404]],
    ['/..%2fsecret.txt', [400]],
    ['/..%5csecret.txt', [400]],
    ['/counter/..%2f..%2fsecret.txt', [400]],
    ['/index.html%00.js', [400]],
    ['/%E0%A4%A', [400]],
    ['/leak.txt', [404]],
  ])('never serves a file outside the app folder: %s', async (path, statuses) => {
    const answer = await get(port, path);
    expect(statuses).toContain(answer.status);
    expect(answer.body).not.toContain('do not serve');
  });

  it('rejects bad mounts', () => {
    expect(() => createStaticHandler([{ prefix: 'x', dir: root }])).toThrow(TypeError);
    expect(() => createStaticHandler([{ prefix: '/x/', dir: root }])).toThrow(TypeError);
  });
});

describe('contentTypeOf', () => {
  it('knows the files of a built app and falls back to octet-stream', () => {
    expect(contentTypeOf('a.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('a.woff2')).toBe('font/woff2');
    expect(contentTypeOf('Makefile')).toBe('application/octet-stream');
    expect(contentTypeOf('x.exe')).toBe('application/octet-stream');
  });
});

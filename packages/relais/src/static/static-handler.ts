/**
 * @module static/static-handler
 * Serves built web apps (static files) over HTTP: GET and HEAD only, each app mounted under a
 * URL prefix, `index.html` for directories, correct content types, and no way out of a mount's
 * folder (`..`, encoded slashes or backslashes, NUL bytes, symlinks pointing outside).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { contentTypeOf } from './content-types.js';

/** One app: requests under `prefix` are answered from `dir`. */
export interface StaticMount {
  /** URL prefix: '/' or a path like '/counter' (no trailing slash). */
  prefix: string;
  /** Folder of the built app (holds index.html). */
  dir: string;
  /** Extra headers of every file served from this mount (e.g. a Content-Security-Policy). */
  headers?: Record<string, string>;
}

/** Answers a request; resolves true when it did, false when no mount matched (the caller 404s). */
export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Files under this folder carry a content hash in their name (Vite's output): cache them for good. */
const IMMUTABLE_DIR = '/assets/';

function send(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function checkMount({ prefix, dir }: StaticMount): void {
  if (typeof prefix !== 'string' || !prefix.startsWith('/') || (prefix !== '/' && prefix.endsWith('/'))) {
    throw new TypeError(`static mount prefix must be "/" or start with "/" and not end with "/", got ${JSON.stringify(prefix)}`);
  }
  if (typeof dir !== 'string' || dir === '') throw new TypeError('static mount dir must be a folder path');
}

/** Decodes a URL path; undefined when it is malformed or could escape (NUL, encoded separators). */
function decodePath(path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  // An encoded "/" would change how the path splits after decoding.
  if (/%2f/i.test(path)) return undefined;
  return decoded;
}

function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function fileFor(root: string, subpath: string): Promise<{ path: string; size: number } | undefined> {
  const segments = subpath.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  let path = join(root, ...segments);
  if (!inside(root, path)) return undefined;
  try {
    let info = await stat(path);
    if (info.isDirectory()) {
      path = join(path, 'index.html');
      info = await stat(path);
    }
    if (!info.isFile()) return undefined;
    // A symlink inside the folder must not lead out of it.
    if (!inside(await realpath(root), await realpath(path))) return undefined;
    return { path, size: info.size };
  } catch {
    return undefined;
  }
}

/**
 * A handler serving `mounts`, longest prefix first. A mount at '/counter' answers '/counter'
 * with a redirect to '/counter/' so relative asset URLs resolve.
 * @example
 * const serveApps = createStaticHandler([{ prefix: '/', dir: 'apps/chat/dist' }]);
 * http.createServer(async (req, res) => { if (!(await serveApps(req, res))) res.writeHead(404).end(); });
 */
export function createStaticHandler(mounts: readonly StaticMount[]): StaticHandler {
  for (const mount of mounts) checkMount(mount);
  const ordered = [...mounts]
    .map((m) => ({ prefix: m.prefix, root: resolve(m.dir), headers: { ...m.headers } }))
    .sort((a, b) => b.prefix.length - a.prefix.length);

  return async (req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const mount = ordered.find((m) => m.prefix === '/' || rawPath === m.prefix || rawPath.startsWith(`${m.prefix}/`));
    if (!mount) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
      return true;
    }
    if (mount.prefix !== '/' && rawPath === mount.prefix) {
      const query = req.url?.slice(rawPath.length) ?? '';
      send(res, 301, 'moved\n', { location: `${mount.prefix}/${query}` });
      return true;
    }
    const decoded = decodePath(rawPath);
    if (decoded === undefined) {
      send(res, 400, 'bad path\n');
      return true;
    }
    const subpath = mount.prefix === '/' ? decoded : decoded.slice(mount.prefix.length);
    const file = await fileFor(mount.root, subpath);
    if (!file) {
      send(res, 404, 'not found\n');
      return true;
    }
    const immutable = subpath.startsWith(IMMUTABLE_DIR);
    res.writeHead(200, {
      ...mount.headers,
      'content-type': contentTypeOf(file.path),
      'content-length': file.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await new Promise<void>((done) => {
      const stream = createReadStream(file.path);
      stream.on('error', () => {
        res.destroy();
        done();
      });
      stream.on('end', done);
      stream.pipe(res);
    });
    return true;
  };
}

/** Whether `dir` holds a built app (an index.html). */
export async function isBuiltApp(dir: string): Promise<boolean> {
  try {
    return (await stat(join(dir, 'index.html'))).isFile();
  } catch {
    return false;
  }
}

/**
 * @module http-routes
 * The paths of the node's HTTP server that features claim: the WebSocket endpoint, the server
 * API, metrics, fallback transports, protocol front-ends. A route is an exact path, or a prefix
 * when its path ends with `/`; the longest match wins.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Answers a plain HTTP request; resolves false to let the node answer 404. It should not throw
 * for bad input: a rejection is answered with 500 and logged.
 */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | boolean;

/** Takes an upgrade request (e.g. the WebSocket endpoint's handleUpgrade). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** What one path of the node serves. */
export interface HttpRoute {
  /** An exact path (`/metrics`), or every path under a prefix when it ends with `/` (`/api/`). */
  path: string;
  /** Plain requests on this path. Without it they go on to the fallback, then 404. */
  request?: RequestHandler;
  /** Upgrade requests on this path. Without it they get 404. */
  upgrade?: UpgradeHandler;
}

/** Throws a TypeError for a route path that is not an absolute URL path. */
function checkRoutePath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path))
    throw new TypeError(`a route path must start with / and hold no query, fragment or space, got ${JSON.stringify(path)}`);
}

/** The node's routes; they can be added and removed while the server runs. */
export class HttpRoutes {
  readonly #exact = new Map<string, HttpRoute>();
  /** Prefix routes, longest first. */
  #prefixes: HttpRoute[] = [];

  /** Adds `route`; throws a TypeError when its path is taken. Returns a disposer. */
  add(route: HttpRoute): () => void {
    checkRoutePath(route.path);
    if (this.#exact.has(route.path) || this.#prefixes.some((taken) => taken.path === route.path))
      throw new TypeError(`the route ${route.path} is already served`);
    if (route.path.endsWith('/') && route.path !== '/') {
      this.#prefixes = [...this.#prefixes, route].sort((a, b) => b.path.length - a.path.length);
    } else {
      this.#exact.set(route.path, route);
    }
    return () => {
      if (this.#exact.get(route.path) === route) this.#exact.delete(route.path);
      this.#prefixes = this.#prefixes.filter((taken) => taken !== route);
    };
  }

  /** The route serving `path`: the exact one, else the longest prefix that `path` starts with. */
  match(path: string): HttpRoute | undefined {
    const exact = this.#exact.get(path);
    if (exact) return exact;
    for (const route of this.#prefixes) {
      // '/api/' serves '/api' too: a client that drops the trailing slash reaches the same route.
      if (path.startsWith(route.path) || path === route.path.slice(0, -1)) return route;
    }
    return undefined;
  }
}

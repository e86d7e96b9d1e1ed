/**
 * @module api/install
 * Wires the server API into a node: the cluster commands every node answers, and, with
 * `apiKeys`, the `/api/` route on the node's port or on a port of its own (`apiPort`).
 */
import { ERROR_CODES } from '@relais/protocol';
import type { RefreshNode } from '../auth/connect-auth.js';
import type { Cluster } from '../cluster/cluster.js';
import type { CommandSession } from '../commands/context.js';
import { HttpRoutes, type HttpRoute } from '../http-routes.js';
import type { Hub } from '../hub.js';
import type { Logger } from '../logger.js';
import type { ResolvedOptions } from '../options.js';
import type { Registry } from '../metrics/prometheus.js';
import { listenRoutes, type RoutesListener } from '../routes-server.js';
import { ApiStats, type ApiStatsSnapshot } from './api-stats.js';
import { clusterCommands, type LocalNode } from './cluster-commands.js';
import { DEFAULT_API_TIMEOUT_MS } from './api-options.js';
import type { ApiContext, ApiMethods, ApiNode } from './context.js';
import { ApiError } from './errors.js';
import { API_PREFIX, createApiHandler } from './http-api.js';
import { createApiMethods } from './methods.js';
import { OPENAPI_DOCUMENT } from './openapi.js';

/** The node's local server API, which the cluster commands call. */
type LocalMethods = Omit<LocalNode, 'hub' | 'services'>;

/** What the server API needs from its node. */
export interface ApiWiring {
  node: ApiNode & LocalMethods;
  hub: Hub<CommandSession>;
  /** What a connection deadline moved by `refresh` asks when it passes (onRefresh hooks), and logs to. */
  services: RefreshNode;
  cluster: Pick<Cluster, 'handle'>;
  /** The node's own routes (its port). */
  routes: HttpRoutes;
  rules: ApiContext['rules'];
  options: Pick<ResolvedOptions, 'api' | 'maxDataDepth'>;
  logger: Logger;
  /** Whether the node is shutting down (the API then answers 503). */
  isClosing(): boolean;
  /** The node's Prometheus registry, where the API's counters go. */
  registry: Registry;
}

/** A node's server API: installed by the constructor, listening (on apiPort) with the node. */
export class ServerApi {
  readonly #wiring: ApiWiring;
  readonly #stats: ApiStats | undefined;
  readonly #methods: ApiMethods;
  /** The routes of the API's own port; undefined when the API is on the node's port, or off. */
  readonly #ownRoutes: HttpRoutes | undefined;
  #listener: RoutesListener | undefined;

  constructor(wiring: ApiWiring) {
    this.#wiring = wiring;
    const { node, hub, cluster, options, logger } = wiring;
    // Every node answers the cluster-wide methods, so any node with keys serves them for all.
    for (const [type, handler] of Object.entries(clusterCommands({ ...bind(node), hub, services: wiring.services })))
      cluster.handle(type, handler);
    const api = options.api;
    // The methods exist with or without keys: `relais.callApi` runs them in-process.
    this.#methods = createApiMethods({
      node,
      rules: wiring.rules,
      maxDataDepth: options.maxDataDepth,
      timeoutMs: api?.timeoutMs ?? DEFAULT_API_TIMEOUT_MS,
      itemError: (code) => this.#stats?.error(code),
    });
    if (!api) return;
    if (api.port !== undefined) this.#ownRoutes = new HttpRoutes();
    this.#stats = new ApiStats(wiring.registry);
    const request = createApiHandler({
      keys: api.keys,
      maxBodyBytes: api.maxBodyBytes,
      methods: this.#methods,
      openapi: OPENAPI_DOCUMENT,
      logger,
      isClosing: wiring.isClosing,
      stats: this.#stats,
    });
    (this.#ownRoutes ?? wiring.routes).add({ path: API_PREFIX, request });
  }

  /**
   * Called when the node listens on `host`: opens the API's own port (apiPort) and resolves
   * with its address; logs where the API is, or that it is off.
   */
  async listen(host: string): Promise<{ port: number; host: string } | undefined> {
    const { logger, options } = this.#wiring;
    const api = options.api;
    if (!api) {
      logger.info({ api: 'off' }, 'server API off: no API key (option apiKeys, or RELAIS_API_KEY for relais serve)');
      return undefined;
    }
    if (!this.#ownRoutes || api.port === undefined) {
      logger.info({ path: API_PREFIX }, 'server API on /api/ of the node port');
      return undefined;
    }
    const onError = (error: unknown) => logger.error({ err: error }, 'server API port failed');
    this.#listener = await listenRoutes(this.#ownRoutes, api.port, api.host ?? host, onError);
    const address = { port: this.#listener.port, host: this.#listener.host };
    logger.info(address, `server API on its own port ${address.port}`);
    return address;
  }

  /**
   * Serves `route` on the API's own port (apiPort), for what belongs beside the API rather than
   * on the public port (`/metrics`). False when the API has no port of its own.
   */
  mount(route: HttpRoute): boolean {
    if (!this.#ownRoutes) return false;
    this.#ownRoutes.add(route);
    return true;
  }

  /**
   * Runs server API method `method` with `params` in-process, as `POST /api/<method>` would (the
   * same checks, cluster-wide reach and results), without a key; for embedders' own admin
   * surfaces. Rejects with an ApiError (104 unknown method, 107 bad params, …).
   */
  async call(method: string, params: unknown): Promise<unknown> {
    const run = this.#methods.get(method);
    if (!run) throw new ApiError(ERROR_CODES.METHOD_NOT_FOUND, `unknown method ${JSON.stringify(method)}`);
    return run(params);
  }

  /** The API's counters; undefined when it is off. */
  stats(): ApiStatsSnapshot | undefined {
    return this.#stats?.snapshot();
  }

  /** Closes the API's own port, if it has one. */
  async close(): Promise<void> {
    await this.#listener?.close();
  }
}

/** The node's local server API, as functions that keep their `this`. */
function bind(node: LocalMethods): LocalMethods {
  return {
    sendToUser: (user, data) => node.sendToUser(user, data),
    subscribe: (client, channel, data) => node.subscribe(client, channel, data),
    unsubscribe: (client, channel) => node.unsubscribe(client, channel),
    disconnect: (target, code, reason) => node.disconnect(target, code, reason),
  };
}

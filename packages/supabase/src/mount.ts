/**
 * @module mount
 * Serves Supabase Realtime on a relais node: the WebSocket endpoint `<basePath>/websocket`
 * (`?apikey=…&vsn=1.0.0|2.0.0`) and the REST broadcast `<basePath>/api/broadcast`, both as
 * routes of the node's HTTP server, and the connect hook that gives the front-end's relais
 * connections their presence info.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { originAllowed, silentLogger, type Relais } from '@relais/server';
import { WebSocketServer } from 'ws';
import { resolveSupabaseOptions, type ResolvedSupabaseOptions, type SupabaseOptions } from './options.js';
import { DEFAULT_VSN, SUPPORTED_VSNS, type Vsn } from './phoenix-message.js';
import { disabledPostgresChanges, type PostgresChanges } from './postgres-changes.js';
import { SupabaseMetrics } from './metrics.js';
import { LINK_TRANSPORT_NAME } from './relais-link.js';
import { postgrestHandler } from './postgrest/handler.js';
import type { RestTables } from './postgrest/tables.js';
import { requestInfo } from './request-info.js';
import { restBroadcastHandler } from './rest-broadcast.js';
import { SupabaseSocket } from './socket.js';

/** What the front-end counted since it was mounted. */
export interface SupabaseStats {
  /** Sockets open now. */
  sockets: number;
  /** Frames that were not Phoenix messages, events no handler knows, messages to topics not joined. */
  rejected: { malformed: number; unknown_event: number; unmatched_topic: number };
}

export interface MountedSupabase {
  readonly options: ResolvedSupabaseOptions;
  stats(): SupabaseStats;
  /** Removes the routes, the hook and the `relais_supabase_*` metrics, and closes every Supabase socket (1001). */
  unmount(): void;
}

export interface MountSupabaseOptions extends SupabaseOptions {
  /**
   * Serves the `postgres_changes` entries of joins: `feedPostgresChanges(changes)` with the
   * @relais/postgres feed. @default refuses them with a `system` error
   */
  postgresChanges?: PostgresChanges;
  /**
   * The change feed's tables for the PostgREST subset at `<restPath>/<table>`:
   * `changes.restTables()` of the @relais/postgres feed. @default not served
   */
  restTables?: RestTables;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuse(socket: Duplex, status: number, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Request'}\r\nConnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

/**
 * Mounts the Supabase Realtime front-end on `relais`.
 * @example
 * const relais = createRelais({ auth: { hmacSecret: JWT_SECRET }, namespaces: { supabase: { presence: true, joinLeave: true } } });
 * mountSupabase(relais);
 * await relais.listen({ port: 8080 });
 * // in the browser: createClient('http://localhost:8080', ANON_KEY).channel('room1').subscribe()
 */
export function mountSupabase(relais: Relais, options: MountSupabaseOptions = {}): MountedSupabase {
  const { postgresChanges = disabledPostgresChanges, restTables, ...rest } = options;
  const resolved = resolveSupabaseOptions(rest);
  const logger = relais.options.logger ?? silentLogger;
  const sockets = new Set<SupabaseSocket>();
  const rejected = { malformed: 0, unknown_event: 0, unmatched_topic: 0 };
  const metrics = new SupabaseMetrics(() => sockets.size);
  // First: a second mount on the node throws here (the names are taken), before anything is registered.
  const removeMetrics = metrics.install(relais);
  const wss = new WebSocketServer({ noServer: true, maxPayload: resolved.maxFrameBytes, clientTracking: false });
  const context = {
    relais,
    options: resolved,
    postgresChanges,
    logger,
    metrics,
    rejected: (reason: keyof typeof rejected) => {
      rejected[reason]++;
      metrics.error(reason);
    },
    closed: (socket: SupabaseSocket) => sockets.delete(socket),
  };

  const upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://relais');
    const vsn = (url.searchParams.get('vsn') ?? DEFAULT_VSN) as Vsn;
    if (!SUPPORTED_VSNS.includes(vsn)) {
      metrics.error('upgrade_vsn');
      return refuse(socket, 400, `unsupported vsn ${JSON.stringify(vsn)}: use 1.0.0 or 2.0.0`);
    }
    const allowed = relais.options.allowedOrigins;
    if (allowed && !originAllowed(req.headers.origin, allowed)) {
      metrics.error('upgrade_origin');
      return refuse(socket, 403, 'origin not allowed');
    }
    const apikey = url.searchParams.get('apikey') ?? undefined;
    const transport = requestInfo(relais, req);
    // The node's per-IP connection rate, as for its own connections.
    if (!relais.admitConnection(transport.remoteAddress)) {
      metrics.error('upgrade_rate');
      return refuse(socket, 429, 'too many connection attempts from this address');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      metrics.socketOpened();
      sockets.add(new SupabaseSocket(ws, { vsn, apikey: apikey || undefined, transport }, context));
    });
  };

  // Security: `data` of these connections is set by this front-end only (the transport name
  // cannot be chosen by a client), so the presence info it carries is the tracked payload.
  const removeHook = relais.onConnecting(({ transport, data }) => {
    if (transport.name === LINK_TRANSPORT_NAME && isRecord(data) && typeof data.supabase === 'string') return { info: data };
    return undefined;
  });
  const removeSocketRoute = relais.route({ path: `${resolved.basePath}/websocket`, upgrade });
  const removeRestRoute = relais.route({
    path: `${resolved.basePath}/api/broadcast/`,
    request: metrics.countRest('broadcast', restBroadcastHandler(relais, resolved, logger)),
  });

  const removePostgrest = restTables
    ? relais.route({
        path: `${resolved.restPath}/`,
        request: metrics.countRest('postgrest', postgrestHandler(relais, resolved, restTables, logger)),
      })
    : () => undefined;

  return {
    options: resolved,
    stats: () => ({ sockets: sockets.size, rejected: { ...rejected } }),
    unmount() {
      removeSocketRoute();
      removeRestRoute();
      removePostgrest();
      removeHook();
      removeMetrics();
      for (const socket of [...sockets]) socket.close(1001, 'server closing');
    },
  };
}

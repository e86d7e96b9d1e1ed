/**
 * @module request-info
 * What the relais connections of a Supabase request show hooks: the client address (by the
 * node's trusted proxies), the request headers and target.
 */
import type { IncomingMessage } from 'node:http';
import { clientAddress, type Relais, type TransportInfo } from '@relais/server';

/** Headers of the WebSocket handshake itself, left out as the node's own endpoint does. */
const HANDSHAKE_HEADERS = new Set(['connection', 'upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions']);

export function requestInfo(relais: Relais, req: IncomingMessage): Omit<TransportInfo, 'name'> {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HANDSHAKE_HEADERS.has(name)) headers[name] = value;
  const info: Omit<TransportInfo, 'name'> = { headers };
  const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], relais.options.trustedProxies);
  if (address !== undefined) info.remoteAddress = address;
  if (req.url !== undefined) info.url = req.url;
  return info;
}

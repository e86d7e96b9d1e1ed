/**
 * @module transports/http-endpoints
 * Where the HTTP fallbacks reach the server, and how an HTTP stream says it ended.
 */

/**
 * The HTTP endpoints that go with a WebSocket URL: `ws(s)://host/…/connection/websocket` gives
 * `http(s)://host/…/connection/{http_stream,sse,long_poll,poll,emulation}`. Any other path: the same origin with
 * the default paths.
 */
export function httpEndpoints(websocketUrl: string): { stream: string; sse: string; longPoll: string; poll: string; emulation: string } {
  const url = new URL(websocketUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.search = '';
  url.hash = '';
  const base = url.pathname.endsWith('/connection/websocket') ? url.pathname.slice(0, -'/websocket'.length) : '/connection';
  const at = (name: string): string => new URL(`${base}/${name}`, url).href;
  return { stream: at('http_stream'), sse: at('sse'), longPoll: at('long_poll'), poll: at('poll'), emulation: at('emulation') };
}

/** The `disconnect` push an HTTP stream ends with, if `text` is one. */
export function disconnectOf(text: string): { code: number; reason: string } | undefined {
  if (!text.startsWith('{"type":"disconnect"')) return undefined;
  try {
    const push = JSON.parse(text) as { code?: unknown; reason?: unknown };
    if (typeof push.code === 'number') return { code: push.code, reason: typeof push.reason === 'string' ? push.reason : '' };
  } catch {
    // Not a frame this transport understands: the Connection reports it.
  }
  return undefined;
}

/**
 * @module proxy/proxy-hooks
 * Installs the `proxy` option as the node's hooks: connect, refresh, subscribe, publish and
 * RPC decisions are asked of the backend over HTTP (docs/api.md, "Backend hooks").
 */
import { namespaceOf } from '@relais/protocol';
import type { ClientDetails } from '../events.js';
import type { Hooks } from '../hooks.js';
import type { Logger } from '../logger.js';
import { readConnect, readData, readRefresh, readSubscribe } from './answers.js';
import { BackendCaller, type ProxyMetrics } from './backend-caller.js';
import type { ResolvedChannelProxy, ResolvedProxyOptions } from './options.js';

/** The transport fields a body carries (never the handshake's headers: those are forwarded as headers). */
function transportOf(transport: ClientDetails['transport']): Record<string, unknown> {
  return { name: transport.name, ...(transport.remoteAddress && { remoteAddress: transport.remoteAddress }) };
}

/** The client fields every hook's body carries. */
function who(client: ClientDetails): Record<string, unknown> {
  const body: Record<string, unknown> = { client: client.client, user: client.user, transport: transportOf(client.transport) };
  if (client.info !== undefined) body.info = client.info;
  return body;
}

/** The allow-listed headers of the client's handshake, as headers of the backend request. */
function forwarded(headers: ClientDetails['transport']['headers'], allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of allowed) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(name === 'cookie' ? '; ' : ', ') : value;
  }
  return out;
}

/** The node parts the proxy hooks into. */
export interface ProxyHost {
  hooks: Hooks;
  logger: Logger;
  metrics: ProxyMetrics;
}

/** Registers the backend hooks of `options` on `host`; the result removes them and closes the connections. */
export function installProxy(host: ProxyHost, options: ResolvedProxyOptions): () => void {
  const caller = new BackendCaller({
    secret: options.secret,
    maxConcurrency: options.maxConcurrency,
    maxResponseBytes: options.maxResponseBytes,
    logger: host.logger,
    metrics: host.metrics,
  });
  const headersOf = (client: ClientDetails): Record<string, string> => forwarded(client.transport.headers, options.forwardHeaders);
  const channelHooks = (channel: string): ResolvedChannelProxy => options.namespaces.get(namespaceOf(channel)) ?? options.channels;
  const disposers: (() => void)[] = [];

  const { connect, refresh } = options;
  if (connect) {
    disposers.push(
      host.hooks.connecting.add(async (event) => {
        const body: Record<string, unknown> = { client: event.client, transport: transportOf(event.transport) };
        for (const key of ['name', 'version', 'data', 'token', 'user', 'claims'] as const) {
          if (event[key] !== undefined) body[key] = event[key];
        }
        return caller.call('connect', connect, body, forwarded(event.transport.headers, options.forwardHeaders), readConnect);
      }),
    );
  }
  if (refresh) {
    disposers.push(
      host.hooks.refresh.add(async ({ client }) => {
        const answer = await caller.call('refresh', refresh, who(client), headersOf(client), readRefresh);
        return answer.expired ? { expired: true } : { expiresAt: answer.expiresAt };
      }),
    );
  }
  disposers.push(
    host.hooks.subscribe.add(async (event) => {
      const endpoint = channelHooks(event.channel).subscribe;
      if (!endpoint) return;
      const body = { ...who(event.client), channel: event.channel, ...(event.data !== undefined && { data: event.data }) };
      return caller.call('subscribe', endpoint, body, headersOf(event.client), readSubscribe);
    }),
    host.hooks.subRefresh.add(async ({ client, channel }) => {
      const endpoint = channelHooks(channel).subRefresh;
      // No opinion: without another onSubRefresh hook the subscription ends at its deadline.
      if (!endpoint) return;
      const answer = await caller.call('sub_refresh', endpoint, { ...who(client), channel }, headersOf(client), readRefresh);
      return answer.expired ? { expired: true } : { expiresAt: answer.expiresAt };
    }),
    host.hooks.publish.add(async (event) => {
      const endpoint = channelHooks(event.channel).publish;
      if (!endpoint) return;
      const body: Record<string, unknown> = { ...who(event.client), channel: event.channel, data: event.data };
      if (event.event !== undefined) body.event = event.event;
      if (event.ephemeral) body.ephemeral = true;
      const answer = await caller.call('publish', endpoint, body, headersOf(event.client), readData);
      return answer.hasData ? { data: answer.data } : undefined;
    }),
  );
  for (const route of options.rpc) {
    disposers.push(
      host.hooks.addRpcRoute(route.pattern, async (event) => {
        const body = { ...who(event.client), method: event.method, data: event.data };
        return (await caller.call('rpc', route, body, headersOf(event.client), readData)).data;
      }),
    );
  }
  return () => {
    for (const dispose of disposers) dispose();
    caller.close();
  };
}

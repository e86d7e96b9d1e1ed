/**
 * @module proxy/options
 * The `proxy` option: which decisions a node asks an HTTP backend for (connect, refresh,
 * subscribe, publish, sub_refresh, rpc), where, and within which bounds; and its validation.
 */
import { OptionsError, durationMs, isRecord, positiveInteger, rejectUnknownKeys, show } from '../option-checks.js';

/** A backend URL, or a URL with its own timeout. */
export type ProxyEndpoint = string | { url: string; timeoutMs?: number };

/** The channel hooks a namespace sends to its backend; `false` turns one off for the namespace. */
export interface ChannelProxyOptions {
  subscribe?: ProxyEndpoint | false;
  publish?: ProxyEndpoint | false;
  subRefresh?: ProxyEndpoint | false;
}

/** RPC methods matching `method` (a name, or a pattern with `*` wildcards) go to `url`. */
export interface RpcRoute {
  method: string;
  url: string;
  timeoutMs?: number;
}

/**
 * Backend hooks over HTTP. Every hook is a `POST <url>` with a JSON body; see docs/api.md.
 * @example { connect: 'http://backend/relais/connect', rpc: [{ method: 'billing.*', url: 'http://billing/rpc' }], secret: process.env.PROXY_SECRET }
 */
export interface ProxyOptions {
  connect?: ProxyEndpoint;
  /** Called when a connection's deadline (`expireAt` from connect or refresh) passes. */
  refresh?: ProxyEndpoint;
  /** Default channel hooks, for every namespace. */
  subscribe?: ProxyEndpoint;
  publish?: ProxyEndpoint;
  /** Called when a subscription's deadline (the `expireAt` subscribe or sub_refresh gave) passes. */
  subRefresh?: ProxyEndpoint;
  /** Per-namespace channel hooks, replacing the defaults (`''` is the namespace of channels without a colon). */
  namespaces?: Record<string, ChannelProxyOptions>;
  /** Every RPC method, or the first route whose method pattern matches. */
  rpc?: ProxyEndpoint | RpcRoute[];
  /** Shared secret: requests carry `X-Relais-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
  secret?: string;
  /** Time a backend may take, in ms. @default 5000 */
  timeoutMs?: number;
  /** Backend calls in flight per node; more are refused with 111. @default 100 */
  maxConcurrency?: number;
  /** Largest backend answer read, in bytes. @default 1048576 */
  maxResponseBytes?: number;
  /**
   * Headers of the client's handshake forwarded to the backend (lower-case names).
   * @default ['authorization', 'cookie', 'origin', 'user-agent', 'x-forwarded-for', 'x-real-ip']
   */
  forwardHeaders?: string[];
}

export interface ResolvedEndpoint {
  url: URL;
  timeoutMs: number;
}

export interface ResolvedRpcRoute extends ResolvedEndpoint {
  method: string;
  pattern: RegExp;
}

export interface ResolvedChannelProxy {
  subscribe?: ResolvedEndpoint;
  publish?: ResolvedEndpoint;
  subRefresh?: ResolvedEndpoint;
}

export interface ResolvedProxyOptions {
  connect?: ResolvedEndpoint;
  refresh?: ResolvedEndpoint;
  channels: ResolvedChannelProxy;
  namespaces: ReadonlyMap<string, ResolvedChannelProxy>;
  rpc: ResolvedRpcRoute[];
  secret?: string;
  maxConcurrency: number;
  maxResponseBytes: number;
  forwardHeaders: string[];
}

export const DEFAULT_PROXY_TIMEOUT_MS = 5_000;
export const DEFAULT_PROXY_MAX_CONCURRENCY = 100;
export const DEFAULT_PROXY_MAX_RESPONSE_BYTES = 1_048_576;
export const DEFAULT_FORWARD_HEADERS = ['authorization', 'cookie', 'origin', 'user-agent', 'x-forwarded-for', 'x-real-ip'];
/** Shortest signing secret accepted, in bytes. */
export const MIN_PROXY_SECRET_BYTES = 32;

const PROXY_KEYS = new Set([
  'connect',
  'refresh',
  'subscribe',
  'publish',
  'subRefresh',
  'namespaces',
  'rpc',
  'secret',
  'timeoutMs',
  'maxConcurrency',
  'maxResponseBytes',
  'forwardHeaders',
]);
const CHANNEL_KEYS = new Set(['subscribe', 'publish', 'subRefresh']);
const ENDPOINT_KEYS = new Set(['url', 'timeoutMs']);
const ROUTE_KEYS = new Set(['method', 'url', 'timeoutMs']);

function url(name: string, value: unknown): URL {
  let parsed: URL | undefined;
  try {
    parsed = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new OptionsError(`option ${name} must be an http:// or https:// URL, got ${show(value)}`);
  }
  return parsed;
}

function endpoint(name: string, value: unknown, timeoutMs: number): ResolvedEndpoint {
  if (typeof value === 'string') return { url: url(name, value), timeoutMs };
  if (!isRecord(value)) throw new OptionsError(`option ${name} must be a URL or { url, timeoutMs? }, got ${show(value)}`);
  rejectUnknownKeys(`option ${name}`, value, ENDPOINT_KEYS);
  return {
    url: url(`${name}.url`, value.url),
    timeoutMs: value.timeoutMs === undefined ? timeoutMs : durationMs(`${name}.timeoutMs`, value.timeoutMs),
  };
}

/** A method pattern: `*` matches any run of characters, everything else itself. */
export function methodPattern(method: string): RegExp {
  const source = method
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

function channelHooks(name: string, value: Record<string, unknown>, timeoutMs: number, allowOff: boolean): ResolvedChannelProxy {
  const hooks: ResolvedChannelProxy = {};
  for (const key of ['subscribe', 'publish', 'subRefresh'] as const) {
    const given = value[key];
    if (given === undefined || (allowOff && given === false)) continue;
    hooks[key] = endpoint(`${name}.${key}`, given, timeoutMs);
  }
  return hooks;
}

function rpcRoutes(value: unknown, timeoutMs: number): ResolvedRpcRoute[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [{ method: '*', pattern: /^/, ...endpoint('proxy.rpc', value, timeoutMs) }];
  return value.map((route, i) => {
    const name = `proxy.rpc[${i}]`;
    if (!isRecord(route)) throw new OptionsError(`option ${name} must be { method, url, timeoutMs? }, got ${show(route)}`);
    rejectUnknownKeys(`option ${name}`, route, ROUTE_KEYS);
    if (typeof route.method !== 'string' || route.method === '') {
      throw new OptionsError(`option ${name}.method must be a method name or pattern such as "billing.*", got ${show(route.method)}`);
    }
    const { url: resolvedUrl, timeoutMs: routeTimeout } = endpoint(name, { url: route.url, timeoutMs: route.timeoutMs }, timeoutMs);
    return { method: route.method, pattern: methodPattern(route.method), url: resolvedUrl, timeoutMs: routeTimeout };
  });
}

/** Validates the `proxy` option; every mistake is an OptionsError naming the field. */
export function resolveProxyOptions(value: unknown): ResolvedProxyOptions {
  if (!isRecord(value)) throw new OptionsError(`option proxy must be an object, got ${show(value)}`);
  rejectUnknownKeys('option proxy', value, PROXY_KEYS);
  const timeoutMs = value.timeoutMs === undefined ? DEFAULT_PROXY_TIMEOUT_MS : durationMs('proxy.timeoutMs', value.timeoutMs);
  const resolved: ResolvedProxyOptions = {
    channels: channelHooks('proxy', value, timeoutMs, false),
    namespaces: new Map(),
    rpc: rpcRoutes(value.rpc, timeoutMs),
    maxConcurrency:
      value.maxConcurrency === undefined ? DEFAULT_PROXY_MAX_CONCURRENCY : positiveInteger('proxy.maxConcurrency', value.maxConcurrency),
    maxResponseBytes:
      value.maxResponseBytes === undefined
        ? DEFAULT_PROXY_MAX_RESPONSE_BYTES
        : positiveInteger('proxy.maxResponseBytes', value.maxResponseBytes),
    forwardHeaders: DEFAULT_FORWARD_HEADERS,
  };
  if (value.connect !== undefined) resolved.connect = endpoint('proxy.connect', value.connect, timeoutMs);
  if (value.refresh !== undefined) resolved.refresh = endpoint('proxy.refresh', value.refresh, timeoutMs);
  if (value.namespaces !== undefined) {
    if (!isRecord(value.namespaces)) throw new OptionsError(`option proxy.namespaces must be an object, got ${show(value.namespaces)}`);
    const namespaces = new Map<string, ResolvedChannelProxy>();
    for (const [namespace, hooks] of Object.entries(value.namespaces)) {
      const name = `proxy.namespaces.${namespace}`;
      if (!isRecord(hooks)) throw new OptionsError(`option ${name} must be an object, got ${show(hooks)}`);
      rejectUnknownKeys(`option ${name}`, hooks, CHANNEL_KEYS);
      // A namespace's own hooks replace the defaults one by one; false turns a default off.
      const own = channelHooks(name, hooks, timeoutMs, true);
      const merged: ResolvedChannelProxy = {};
      for (const key of ['subscribe', 'publish', 'subRefresh'] as const) {
        const hook = hooks[key] === false ? undefined : (own[key] ?? resolved.channels[key]);
        if (hook) merged[key] = hook;
      }
      namespaces.set(namespace, merged);
    }
    resolved.namespaces = namespaces;
  }
  if (value.secret !== undefined) {
    if (typeof value.secret !== 'string' || Buffer.byteLength(value.secret) < MIN_PROXY_SECRET_BYTES) {
      throw new OptionsError(`option proxy.secret must be a string of at least ${MIN_PROXY_SECRET_BYTES} bytes`);
    }
    resolved.secret = value.secret;
  }
  if (value.forwardHeaders !== undefined) {
    const headers = value.forwardHeaders;
    if (!Array.isArray(headers) || headers.some((h) => typeof h !== 'string' || !/^[a-z0-9!#$%&'*+.^_`|~-]+$/i.test(h))) {
      throw new OptionsError(`option proxy.forwardHeaders must be an array of header names, got ${show(headers)}`);
    }
    resolved.forwardHeaders = headers.map((h: string) => h.toLowerCase());
  }
  const anything = resolved.connect || resolved.refresh || resolved.rpc.length > 0 || resolved.namespaces.size > 0;
  if (!anything && Object.keys(resolved.channels).length === 0) {
    throw new OptionsError(
      'option proxy names no hook: give at least one of connect, refresh, subscribe, publish, subRefresh, namespaces, rpc',
    );
  }
  return resolved;
}

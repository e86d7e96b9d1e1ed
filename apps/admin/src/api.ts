/**
 * @module admin/src/api
 * The page's calls to the admin routes (same origin, the session cookie sent by the browser).
 * A failure rejects with an AdminRequestError carrying the HTTP status and the error's code.
 */
import {
  ADMIN_API_PREFIX,
  type AdminApiMethod,
  type AdminError,
  type LoginRequest,
  type NodesAnswer,
  type SessionInfo,
} from '../shared/protocol.js';

export class AdminRequestError extends Error {
  override readonly name = 'AdminRequestError';
  readonly status: number;
  readonly code: number;

  constructor(status: number, error: AdminError | undefined) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? 0;
  }
}

async function request<T>(method: 'GET' | 'POST', name: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin', headers: {} };
  if (method === 'POST') {
    init.headers = { 'content-type': 'application/json' };
    init.body = JSON.stringify(body ?? {});
  }
  const response = await fetch(`${ADMIN_API_PREFIX}${name}`, init);
  const answer = (await response.json().catch(() => undefined)) as { error?: AdminError } | undefined;
  if (!response.ok) throw new AdminRequestError(response.status, answer?.error);
  return answer as T;
}

export const login = (credentials: LoginRequest): Promise<SessionInfo> => request('POST', 'login', credentials);
export const logout = (): Promise<unknown> => request('POST', 'logout');
export const session = (): Promise<SessionInfo> => request('GET', 'session');
export const nodes = (): Promise<NodesAnswer> => request('GET', 'nodes');

/** Runs a server API method (docs/api.md) through the admin route; resolves with its result. */
export async function call<T = unknown>(method: AdminApiMethod, params: unknown): Promise<T> {
  return (await request<{ result: T }>('POST', method, params)).result;
}

/** The URL of the trace stream of a user or a channel. */
export function traceUrl(by: 'user' | 'channel', value: string): string {
  return `${ADMIN_API_PREFIX}trace?${new URLSearchParams({ [by]: value }).toString()}`;
}

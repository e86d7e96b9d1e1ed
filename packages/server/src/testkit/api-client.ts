/**
 * @module testkit/api-client
 * Calls the server API of a test node over real HTTP (fetch), as a backend would.
 */

/** An answer of the server API: its HTTP status and its parsed JSON body. */
export interface ApiAnswer {
  status: number;
  body: { result?: unknown; error?: { code: number; message: string; temporary: boolean } };
}

export interface CallApiOptions {
  /** Sent as `Authorization: apikey <key>`; omit to send no key. */
  key?: string;
  /** Headers to send (instead of, or besides, the key's). */
  headers?: Record<string, string>;
  /** The body as is, instead of `JSON.stringify(params)`. */
  rawBody?: string;
  /** @default 'POST' */
  httpMethod?: string;
}

/**
 * POSTs `params` to `${base}/api/${method}` and returns the status and body.
 * @example const { status, body } = await callApi(node.base, 'publish', { channel: 'chat:a', data: 1 }, { key });
 */
export async function callApi(base: string, method: string, params?: unknown, options: CallApiOptions = {}): Promise<ApiAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.key !== undefined) headers.authorization = `apikey ${options.key}`;
  const httpMethod = options.httpMethod ?? 'POST';
  const body =
    httpMethod === 'GET' || httpMethod === 'HEAD' ? undefined : (options.rawBody ?? (params === undefined ? '' : JSON.stringify(params)));
  const response = await fetch(`${base}/api/${method}`, { method: httpMethod, headers, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as ApiAnswer['body']) };
}

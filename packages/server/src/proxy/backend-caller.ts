/**
 * @module proxy/backend-caller
 * One HTTP call to the backend: a signed JSON `POST` over keep-alive connections, bounded in
 * time, in answer size and in calls in flight per node. Every way it can fail becomes a
 * ReplyError the client can act on (114 timeout, 111 busy, 100 backend failure) and is counted.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Disconnect, ERROR_CODES, ReplyError } from '@relais/protocol';
import type { Logger } from '../logger.js';
import type { ResolvedEndpoint } from './options.js';

/** The hooks a backend answers. */
export type ProxyHook = 'connect' | 'refresh' | 'subscribe' | 'publish' | 'sub_refresh' | 'rpc';

/**
 * How a backend call ended: `ok` (a result), `error` / `disconnect` (the backend refused),
 * or a failure: `timeout`, `busy` (maxConcurrency reached), `unreachable`, `http_error`
 * (non-2xx), `invalid_answer` (not the JSON the hook expects).
 */
export type ProxyOutcome = 'ok' | 'error' | 'disconnect' | 'timeout' | 'busy' | 'unreachable' | 'http_error' | 'invalid_answer';

/** Counts backend calls by hook and outcome, with their time. */
export interface ProxyMetrics {
  proxyCall(hook: ProxyHook, outcome: ProxyOutcome, seconds: number): void;
}

export interface BackendCallerOptions {
  secret: string | undefined;
  maxConcurrency: number;
  maxResponseBytes: number;
  logger: Logger;
  metrics: ProxyMetrics;
}

/** A backend's JSON answer, before its meaning is read (see proxy/answers). */
export type BackendAnswer = Record<string, unknown>;

/** Thrown by an answer reader for an answer that does not mean anything the hook expects. */
export class InvalidAnswer extends Error {
  override readonly name = 'InvalidAnswer';
}

class CallFailure extends Error {
  readonly outcome: ProxyOutcome;

  constructor(outcome: ProxyOutcome, message: string) {
    super(message);
    this.outcome = outcome;
  }
}

export class BackendCaller {
  readonly #options: BackendCallerOptions;
  readonly #http: http.Agent;
  readonly #https: https.Agent;
  #inFlight = 0;

  constructor(options: BackendCallerOptions) {
    this.#options = options;
    this.#http = new http.Agent({ keepAlive: true, maxSockets: options.maxConcurrency });
    this.#https = new https.Agent({ keepAlive: true, maxSockets: options.maxConcurrency });
  }

  /** Calls in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * POSTs `body` to `endpoint` for `hook`, with `headers` (the client's forwarded ones), and
   * reads the answer object with `read`. Rejects with what `read` throws for the backend's own
   * error or disconnect, or with ReplyError 114 (timeout), 111 (too many calls in flight) or
   * 100 (backend down, non-2xx, not a JSON object, an answer `read` finds invalid).
   */
  async call<T>(
    hook: ProxyHook,
    endpoint: ResolvedEndpoint,
    body: unknown,
    headers: Record<string, string>,
    read: (answer: BackendAnswer) => T,
  ): Promise<T> {
    const started = performance.now();
    const done = (outcome: ProxyOutcome): void => this.#options.metrics.proxyCall(hook, outcome, (performance.now() - started) / 1000);
    if (this.#inFlight >= this.#options.maxConcurrency) {
      done('busy');
      throw new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS, `${hook} backend busy: ${this.#options.maxConcurrency} calls in flight`);
    }
    this.#inFlight++;
    try {
      const answer = await this.#post(hook, endpoint, JSON.stringify(body), headers);
      let value: T;
      try {
        value = read(answer);
      } catch (error) {
        if (error instanceof InvalidAnswer) throw new CallFailure('invalid_answer', error.message);
        throw error;
      }
      done('ok');
      return value;
    } catch (error) {
      if (error instanceof ReplyError || error instanceof Disconnect) {
        done(error instanceof Disconnect ? 'disconnect' : 'error');
        throw error;
      }
      const failure = error instanceof CallFailure ? error : new CallFailure('unreachable', (error as Error).message);
      done(failure.outcome);
      this.#options.logger.warn({ hook, url: endpoint.url.href, outcome: failure.outcome, reason: failure.message }, 'proxy call failed');
      if (failure.outcome === 'timeout') throw new ReplyError(ERROR_CODES.TIMEOUT, `${hook} backend did not answer in time`);
      throw new ReplyError(ERROR_CODES.INTERNAL, `${hook} backend failed`, { temporary: true });
    } finally {
      this.#inFlight--;
    }
  }

  #post(hook: ProxyHook, endpoint: ResolvedEndpoint, payload: string, forwarded: Record<string, string>): Promise<BackendAnswer> {
    const { url, timeoutMs } = endpoint;
    const headers: Record<string, string | number> = {
      ...forwarded,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      accept: 'application/json',
      'x-relais-hook': hook,
    };
    if (this.#options.secret !== undefined) {
      headers['x-relais-signature'] = `sha256=${createHmac('sha256', this.#options.secret).update(payload).digest('hex')}`;
    }
    const secure = url.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const request = (secure ? https : http).request(url, { method: 'POST', headers, agent: secure ? this.#https : this.#http });
      const timer = setTimeout(() => request.destroy(new CallFailure('timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref?.();
      request.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > this.#options.maxResponseBytes) {
            request.destroy(new CallFailure('invalid_answer', `answer larger than ${this.#options.maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', () => {
          // The request's error handler reports it.
        });
        response.on('end', () => {
          clearTimeout(timer);
          const status = response.statusCode ?? 0;
          if (status < 200 || status > 299) {
            reject(new CallFailure('http_error', `HTTP ${status}`));
            return;
          }
          let answer: unknown;
          try {
            answer = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new CallFailure('invalid_answer', 'answer is not JSON'));
            return;
          }
          if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
            reject(new CallFailure('invalid_answer', 'answer is not a JSON object'));
            return;
          }
          resolve(answer as BackendAnswer);
        });
      });
      request.end(payload);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

/**
 * @module postgrest/errors
 * PostgREST-shaped errors: `{code, message, details, hint}` with an HTTP status.
 */
export class PostgrestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string | null;
  readonly hint: string | null;
  constructor(status: number, code: string, message: string, details: string | null = null, hint: string | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.hint = hint;
  }

  body(): { code: string; message: string; details: string | null; hint: string | null } {
    return { code: this.code, message: this.message, details: this.details, hint: this.hint };
  }
}

/** 400 PGRST100: a query string this subset does not parse. */
export const badQuery = (message: string, details: string | null = null): PostgrestError =>
  new PostgrestError(400, 'PGRST100', message, details);

/** A Postgres error of a statement, as PostgREST passes it on (SQLSTATE as the code). */
export function fromDatabase(error: unknown): PostgrestError | undefined {
  const { code, message, detail, hint } = (error ?? {}) as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown };
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code) || typeof message !== 'string') return undefined;
  // Connection and server-side failures are not the request's fault.
  if (/^(08|53|57|58|XX)/.test(code)) return undefined;
  const status = code === '23505' || code === '23503' ? 409 : code === '42501' ? 403 : 400;
  return new PostgrestError(status, code, message, typeof detail === 'string' ? detail : null, typeof hint === 'string' ? hint : null);
}

/**
 * @module errors
 * Maps Redis client failures to relais errors: an unreachable Redis is ReplyError 115
 * (temporary), so clients retry instead of losing the publication silently.
 */
import { ERROR_CODES, ReplyError } from '@relais/protocol';
import { ReplyError as RedisReplyError } from 'ioredis';

/**
 * Redis error replies that mean "not now" rather than "never": the server is not serving, or
 * (OOM) it is full under `noeviction` until history expires or is trimmed, or maxmemory is raised.
 */
const TEMPORARY_REDIS_REPLIES = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY|NOREPLICAS|OOM)\b/;

/** Whether `error` says Redis could not be reached (or is not serving), as opposed to a bug. */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof RedisReplyError) return TEMPORARY_REDIS_REPLIES.test((error as Error).message);
  // Everything else ioredis rejects with is about the link: connection closed, stream not
  // writeable (offline queue disabled), command timed out, retries exhausted, aborted.
  return error instanceof Error;
}

/** ReplyError 115, with the Redis failure as its cause. */
export function engineUnavailable(cause?: unknown): ReplyError {
  return new ReplyError(ERROR_CODES.ENGINE_UNAVAILABLE, undefined, { cause });
}

/** Rethrows `error` as 115 when Redis was unreachable; other errors pass through. */
export function toEngineError(error: unknown): unknown {
  return isUnreachable(error) ? engineUnavailable(error) : error;
}

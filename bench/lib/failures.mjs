/**
 * @module bench/lib/failures
 * What a repetition records when it could not be measured. A server (or load generator) that
 * stops answering during a window fails that repetition or max-rate probe, never the run: its
 * processes are killed and the next one starts. Such a result is `{failed, error}` with no
 * numbers, so report.mjs leaves it out of the medians and shows why.
 */
import { ChildGoneError, NoAnswerError } from './ipc.mjs';

/**
 * How long a call made while measuring (usage, reset, report, publish start/stop) may take.
 * A healthy process answers in milliseconds even under load; one that needs longer is stuck.
 */
export const MEASURE_TIMEOUT_MS = 15_000;

/** How long opening a batch of clients may take (10,000 clients take a few seconds). */
export const CONNECT_TIMEOUT_MS = 120_000;

/** `'stalled'` (no answer in time), `'exited'` (a process died) or `'error'` (anything else). */
export function failureKind(error) {
  if (error instanceof NoAnswerError) return 'stalled';
  if (error instanceof ChildGoneError) return 'exited';
  return 'error';
}

/** The record of a repetition that failed with `error`. */
export function failure(error) {
  return { failed: failureKind(error), error: String(error?.message ?? error).slice(0, 300) };
}

/** Whether `result` is the record of a failed repetition. */
export const isFailure = (result) => typeof result?.failed === 'string';

/**
 * `await measure()`, or the failure record when it rejects. Bugs of the harness itself
 * (TypeError, ReferenceError) are rethrown: they would fail every repetition the same way.
 */
export async function attempt(measure) {
  try {
    return await measure();
  } catch (error) {
    if (error instanceof TypeError || error instanceof ReferenceError) throw error;
    return failure(error);
  }
}

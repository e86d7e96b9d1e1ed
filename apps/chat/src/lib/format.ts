/**
 * @module chat/lib/format
 * Pure helpers of the chat UI: connection status text, times, room names, error messages.
 */
import { ServerError, TimeoutError, type ClientState, type RelaisError } from '@relais/client';

/** The connection state as the status line shows it; always contains the state name. */
export interface StatusInput {
  state: ClientState;
  nextRetryAt?: number;
  reason?: string;
}

/**
 * "connected", "connecting", "disconnected · reconnecting in 3 s", "disconnected · <reason>".
 * `wasConnected` turns "connecting" into "connecting · reconnecting" after a first connection.
 */
export function statusText({ state, nextRetryAt, reason }: StatusInput, now: number, wasConnected: boolean): string {
  if (state === 'disconnected' && nextRetryAt !== undefined) {
    const seconds = Math.max(0, Math.ceil((nextRetryAt - now) / 1000));
    return `disconnected · reconnecting in ${seconds} s`;
  }
  if (state === 'disconnected') return reason ? `disconnected · ${reason}` : 'disconnected';
  if (state === 'connecting') return wasConnected ? 'connecting · reconnecting…' : 'connecting…';
  return state;
}

/** The status for screen readers: without the countdown, so it is announced once per change. */
export function statusAnnouncement({ state, nextRetryAt, reason }: StatusInput, wasConnected: boolean): string {
  if (state === 'disconnected' && nextRetryAt !== undefined) return 'disconnected · reconnecting';
  return statusText({ state, reason }, 0, wasConnected);
}

/** "14:05" in the reader's locale. */
export function formatTime(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** What a user types as a room name, made into one: "Café & Crème!" → "cafe-creme". */
export function normalizeRoomName(input: string): string {
  return input
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '') // accents off their letters
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 32);
}

/** A sentence for a failed call, naming what the user can do. */
export function errorText(error: unknown): string {
  if (error instanceof ServerError) {
    const detail = (error.cause as { message?: string } | undefined)?.message ?? error.message;
    if (error.serverCode === 111) return `Rate limited: ${detail}.`;
    if (error.serverCode === 106) return `Too long: ${detail}.`;
    if (error.serverCode === 107) return `Rejected: ${detail}.`;
    if (error.serverCode === 103) return `Not allowed: ${detail}.`;
    return `The server refused it: ${detail}.`;
  }
  if (error instanceof TimeoutError) return 'Not sent: no answer from the server in time.';
  if (error instanceof Error) return `Not sent: ${(error as RelaisError).message}.`;
  return 'Not sent.';
}

/** Random id for matching a publication with the pending message it came from. */
export function newNonce(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * @module chat/server/options
 * Options of the demo's server side (all of them are the chat's; the counter has none), set
 * under `demo` in the config file of `relais serve`: DEFAULT_* constants and the check that
 * rejects bad values with an OptionsError naming the option.
 */
import { OptionsError } from '@relais/server';
import { MAX_MESSAGE_LENGTH, MAX_NAME_LENGTH, ROOM_NAME_PATTERN } from '../shared/protocol.js';

export const DEFAULT_CHAT_ROOMS: readonly string[] = ['lobby', 'random'];
export const DEFAULT_MAX_ROOMS = 100;
export const DEFAULT_MAX_MESSAGE_LENGTH = MAX_MESSAGE_LENGTH;
export const DEFAULT_MAX_NAME_LENGTH = MAX_NAME_LENGTH;
export const DEFAULT_RATE_LIMIT_BURST = 10;
export const DEFAULT_RATE_LIMIT_PER_SECOND = 2;
export const DEFAULT_HISTORY_SIZE = 100;
/** A day. */
export const DEFAULT_HISTORY_TTL_MS = 24 * 60 * 60_000;

export interface DemoOptions {
  /** Rooms that exist from the start (and again after a restart). @default ['lobby', 'random'] */
  rooms?: string[];
  /** Most rooms the node keeps; creating one more fails with 106. @default 100 */
  maxRooms?: number;
  /** Longest chat message, in characters after trimming; longer ones fail with 106. @default 500 */
  maxMessageLength?: number;
  /** Longest display name, in characters after trimming. @default 32 */
  maxNameLength?: number;
  /** Chat messages a user may send at once before the rate limit (111) applies. @default 10 */
  rateLimitBurst?: number;
  /** Chat messages per second a user may send in the long run. @default 2 */
  rateLimitPerSecond?: number;
  /**
   * Messages kept per room (namespace `chat`), loaded by the app on join and used to recover the
   * messages a tab missed while away; 0 keeps none. @default 100
   */
  historySize?: number;
  /** How long each kept message stays, in ms. @default 86400000 (a day) */
  historyTtlMs?: number;
  /** Clock in ms, for the rate limit. @default Date.now */
  now?: () => number;
}

export type ResolvedDemoOptions = Required<DemoOptions>;

const KNOWN_KEYS = new Set([
  'rooms',
  'maxRooms',
  'maxMessageLength',
  'maxNameLength',
  'rateLimitBurst',
  'rateLimitPerSecond',
  'historySize',
  'historyTtlMs',
  'now',
]);

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new OptionsError(`option demo.${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
}

/**
 * Applies the defaults and checks every option. Throws OptionsError naming the first bad one.
 * @example resolveDemoOptions({ maxMessageLength: 200 })
 */
export function resolveDemoOptions(options: DemoOptions = {}): ResolvedDemoOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new OptionsError('option demo must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new OptionsError(`unknown option demo.${key}`);
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: ResolvedDemoOptions = {
    rooms: [...DEFAULT_CHAT_ROOMS],
    maxRooms: DEFAULT_MAX_ROOMS,
    maxMessageLength: DEFAULT_MAX_MESSAGE_LENGTH,
    maxNameLength: DEFAULT_MAX_NAME_LENGTH,
    rateLimitBurst: DEFAULT_RATE_LIMIT_BURST,
    rateLimitPerSecond: DEFAULT_RATE_LIMIT_PER_SECOND,
    historySize: DEFAULT_HISTORY_SIZE,
    historyTtlMs: DEFAULT_HISTORY_TTL_MS,
    now: Date.now,
    ...defined,
  };
  for (const key of ['maxRooms', 'maxMessageLength', 'maxNameLength', 'rateLimitBurst', 'historyTtlMs'] as const)
    positiveInteger(key, resolved[key]);
  const size = resolved.historySize;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new OptionsError(`option demo.historySize must be a non-negative integer, got ${JSON.stringify(size)}`);
  }
  const rate = resolved.rateLimitPerSecond;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
    throw new OptionsError(`option demo.rateLimitPerSecond must be a positive number, got ${JSON.stringify(rate)}`);
  }
  if (typeof resolved.now !== 'function') throw new OptionsError('option demo.now must be a function');
  if (!Array.isArray(resolved.rooms)) throw new OptionsError('option demo.rooms must be an array of room names');
  for (const room of resolved.rooms) {
    if (typeof room !== 'string' || !ROOM_NAME_PATTERN.test(room)) {
      throw new OptionsError(`option demo.rooms: ${JSON.stringify(room)} is not a room name (${ROOM_NAME_PATTERN.source})`);
    }
  }
  if (new Set(resolved.rooms).size > resolved.maxRooms) {
    throw new OptionsError(`option demo.rooms lists ${resolved.rooms.length} rooms, more than demo.maxRooms (${resolved.maxRooms})`);
  }
  return resolved;
}

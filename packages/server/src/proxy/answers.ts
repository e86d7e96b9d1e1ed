/**
 * @module proxy/answers
 * What a backend's answer means: `{result}`, `{error: {code, message, temporary?}}` or
 * `{disconnect: {code, reason}}`, and the fields each hook's result may hold. Anything else is
 * an InvalidAnswer (the client gets 100, the node logs and counts it).
 */
import { Disconnect, ReplyError, channelError } from '@relais/protocol';
import { InvalidAnswer, type BackendAnswer } from './backend-caller.js';

type Result = Record<string, unknown>;

/** Lowest and highest reply error code a backend may answer (relais's and the application's). */
const ERROR_CODE_RANGE = [100, 1999] as const;
/** Disconnect codes a backend may answer: 3000–4999 (4000–4999 are the application's). */
const DISCONNECT_CODE_RANGE = [3000, 4999] as const;
/** Longest close reason a WebSocket close frame carries, in bytes. */
const MAX_REASON_BYTES = 123;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function inRange(value: unknown, [min, max]: readonly [number, number]): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** The `result` object of an answer; throws the backend's ReplyError or Disconnect. */
export function readEnvelope(answer: BackendAnswer): Result {
  const { result, error, disconnect } = answer;
  if (disconnect !== undefined) {
    if (!isObject(disconnect) || !inRange(disconnect.code, DISCONNECT_CODE_RANGE)) {
      throw new InvalidAnswer('disconnect must be { code: 3000..4999, reason? }');
    }
    const reason = disconnect.reason;
    if (reason !== undefined && (typeof reason !== 'string' || Buffer.byteLength(reason) > MAX_REASON_BYTES)) {
      throw new InvalidAnswer(`disconnect.reason must be a string of at most ${MAX_REASON_BYTES} bytes`);
    }
    throw new Disconnect(disconnect.code, reason);
  }
  if (error !== undefined) {
    if (!isObject(error) || !inRange(error.code, ERROR_CODE_RANGE)) throw new InvalidAnswer('error must be { code: 100..1999, message? }');
    if (error.message !== undefined && typeof error.message !== 'string') throw new InvalidAnswer('error.message must be a string');
    if (error.temporary !== undefined && typeof error.temporary !== 'boolean') throw new InvalidAnswer('error.temporary must be a boolean');
    const options = error.temporary === undefined ? undefined : { temporary: error.temporary };
    throw new ReplyError(error.code, error.message, options);
  }
  if (result === undefined) return {};
  if (!isObject(result)) throw new InvalidAnswer('result must be an object');
  return result;
}

/** A unix time in seconds (`expireAt`), as ms since the epoch. */
function expireAtMs(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new InvalidAnswer('expireAt must be a unix time in seconds');
  return value * 1000;
}

export interface ConnectAnswer {
  user?: string;
  expiresAt?: number;
  info?: unknown;
  data?: unknown;
  channels?: string[];
}

/** `connect`: `{user?, expireAt?, info?, data?, channels?}`. */
export function readConnect(answer: BackendAnswer): ConnectAnswer {
  const result = readEnvelope(answer);
  const read: ConnectAnswer = {};
  if (result.user !== undefined) {
    if (typeof result.user !== 'string') throw new InvalidAnswer('user must be a string');
    read.user = result.user;
  }
  const expiresAt = expireAtMs(result.expireAt);
  if (expiresAt !== undefined) read.expiresAt = expiresAt;
  if (result.info !== undefined) read.info = result.info;
  if (result.data !== undefined) read.data = result.data;
  if (result.channels !== undefined) {
    const { channels } = result;
    if (!Array.isArray(channels) || channels.some((channel) => channelError(channel) !== undefined)) {
      throw new InvalidAnswer('channels must be an array of channel names');
    }
    read.channels = channels as string[];
  }
  return read;
}

export interface RefreshAnswer {
  /** The new deadline; undefined with `expired` (close) or with no deadline any more. */
  expiresAt?: number;
  expired: boolean;
}

/** `refresh` and `sub_refresh`: `{expireAt?, expired?}`. */
export function readRefresh(answer: BackendAnswer): RefreshAnswer {
  const result = readEnvelope(answer);
  if (result.expired !== undefined && typeof result.expired !== 'boolean') throw new InvalidAnswer('expired must be a boolean');
  const read: RefreshAnswer = { expired: result.expired === true };
  const expiresAt = expireAtMs(result.expireAt);
  if (expiresAt !== undefined) read.expiresAt = expiresAt;
  return read;
}

/** `subscribe`: `{data?, expireAt?}`. */
export function readSubscribe(answer: BackendAnswer): { data?: unknown; expiresAt?: number } {
  const result = readEnvelope(answer);
  const read: { data?: unknown; expiresAt?: number } = {};
  if (result.data !== undefined) read.data = result.data;
  const expiresAt = expireAtMs(result.expireAt);
  if (expiresAt !== undefined) read.expiresAt = expiresAt;
  return read;
}

/** `publish` and `rpc`: `{data?}`; `hasData` tells an absent `data` from `data: null`. */
export function readData(answer: BackendAnswer): { hasData: boolean; data?: unknown } {
  const result = readEnvelope(answer);
  return 'data' in result ? { hasData: true, data: result.data } : { hasData: false };
}

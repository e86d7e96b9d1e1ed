/**
 * @module parse
 * Strict validation of decoded values into protocol v1 frames.
 *
 * Servers are strict with commands: a frame without a usable envelope is a protocol violation
 * (ProtocolError, answered by a Disconnect 3501); a command with a valid id but a bad method or
 * bad params gets a ReplyError for that id. Clients are lenient with server frames: unknown
 * fields and unknown push types are ignored so that servers can grow the protocol.
 *
 * Every protocol string is well-formed Unicode (a lone surrogate would become U+FFFD in UTF-8
 * and in Redis keys), every `data` is bounded in depth, and publication data is portable: it
 * fans out to every encoding and into history (see data.ts).
 */
import { ERROR_CODES } from './codes.js';
import { expandPublication } from './compact.js';
import { MAX_DATA_DEPTH, dataError, isPlainObject, isWellFormed } from './data.js';
import { ProtocolError, ReplyError } from './errors.js';
import {
  MAX_CHANNEL_LENGTH,
  MAX_COMMAND_ID,
  MAX_EVENT_LENGTH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_METHOD_LENGTH,
  MAX_TOKEN_LENGTH,
  METHODS,
  PUSH_TYPES,
  type Command,
  type Method,
  type Push,
  type ServerFrame,
} from './frames.js';

/** The outcome of parsing one command: the command, or the error to reply with. */
export type ParsedCommand = { ok: true; command: Command } | { ok: false; id: number; error: ReplyError };

/** The limits a server parses commands with. */
export interface ParseOptions {
  /** Arrays and maps in any `data` may be nested this many levels deep; deeper is 106. @default MAX_DATA_DEPTH */
  readonly maxDataDepth?: number;
}

type Params = Record<string, unknown>;
type ParamRule = (params: Params, method: Method, maxDataDepth: number) => void;

const ENVELOPE_KEYS = new Set(['id', 'method', 'params']);
// eslint-disable-next-line no-control-regex -- rejecting control characters is the point.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** A short, safe rendering of untrusted text for error messages. */
function quote(text: string): string {
  const cut = text.length > 32 ? `${text.slice(0, 32)}…` : text;
  return JSON.stringify(cut);
}

function bad(message: string): ReplyError {
  return new ReplyError(ERROR_CODES.BAD_REQUEST, message);
}

/** Checks a channel name; returns an error message or undefined. */
export function channelError(channel: unknown): string | undefined {
  if (typeof channel !== 'string') return 'channel must be a string';
  if (channel.length === 0) return 'channel must not be empty';
  if (channel.length > MAX_CHANNEL_LENGTH) return `channel is longer than ${MAX_CHANNEL_LENGTH} characters`;
  if (CONTROL_CHARS.test(channel)) return 'channel must not contain control characters';
  if (!isWellFormed(channel)) return 'channel must be well-formed Unicode (it holds a lone surrogate)';
  return undefined;
}

function allowOnly(params: Params, method: Method, keys: readonly string[]): void {
  for (const key of Object.keys(params)) {
    if (!keys.includes(key)) throw bad(`${method}: unknown field ${quote(key)}`);
  }
}

function optionalString(params: Params, method: Method, key: string, max = Infinity): void {
  const value = params[key];
  if (value === undefined) return;
  if (typeof value !== 'string') throw bad(`${method}.${key} must be a string`);
  if (value.length > max) throw bad(`${method}.${key} is longer than ${max} characters`);
  wellFormed(value, `${method}.${key}`);
}

function wellFormed(value: string, name: string): void {
  if (!isWellFormed(value)) throw bad(`${name} must be well-formed Unicode (it holds a lone surrogate)`);
}

function optionalBoolean(params: Params, method: Method, key: string): void {
  const value = params[key];
  if (value !== undefined && typeof value !== 'boolean') throw bad(`${method}.${key} must be a boolean`);
}

function requireChannel(params: Params, method: Method): void {
  const error = channelError(params.channel);
  if (error) throw bad(`${method}.${error}`);
}

function requireToken(params: Params, method: Method): void {
  if (typeof params.token !== 'string' || params.token === '') throw bad(`${method}.token must be a non-empty string`);
  optionalString(params, method, 'token', MAX_TOKEN_LENGTH);
}

function requireData(params: Params, method: Method): void {
  if (params.data === undefined) throw bad(`${method}.data is required`);
}

/**
 * Checks `data` when present. Publication data must be portable; other data only reaches the
 * server's hooks, so binary and the like stay allowed there (see docs/protocol.md §14).
 */
function checkData(params: Params, method: Method, maxDepth: number, portable = false): void {
  if (params.data === undefined) return;
  const problem = dataError(params.data, { maxDepth, portable }, `${method}.data`);
  if (!problem) return;
  throw problem.kind === 'depth' ? new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, problem.message) : bad(problem.message);
}

function checkPosition(params: Params, method: Method): void {
  const since = params.since;
  if (since === undefined) return;
  if (!isPlainObject(since)) throw bad(`${method}.since must be an object {offset, epoch}`);
  allowOnly(since, method, ['offset', 'epoch']);
  if (typeof since.offset !== 'number' || !Number.isSafeInteger(since.offset) || since.offset < 0) {
    throw bad(`${method}.since.offset must be a non-negative integer`);
  }
  if (typeof since.epoch !== 'string') throw bad(`${method}.since.epoch must be a string`);
  wellFormed(since.epoch, `${method}.since.epoch`);
}

function optionalLimit(params: Params, method: Method): void {
  const limit = params.limit;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)) {
    throw bad(`${method}.limit must be a non-negative integer`);
  }
}

const RULES: Record<Method, ParamRule> = {
  connect(p, m, depth) {
    allowOnly(p, m, ['token', 'name', 'version', 'data']);
    optionalString(p, m, 'token', MAX_TOKEN_LENGTH);
    optionalString(p, m, 'name', 64);
    optionalString(p, m, 'version', 64);
    checkData(p, m, depth);
  },
  subscribe(p, m, depth) {
    allowOnly(p, m, ['channel', 'data', 'token', 'since', 'joinLeave', 'paged']);
    requireChannel(p, m);
    optionalString(p, m, 'token', MAX_TOKEN_LENGTH);
    checkPosition(p, m);
    optionalBoolean(p, m, 'joinLeave');
    optionalBoolean(p, m, 'paged');
    checkData(p, m, depth);
  },
  unsubscribe(p, m) {
    allowOnly(p, m, ['channel']);
    requireChannel(p, m);
  },
  publish(p, m, depth) {
    allowOnly(p, m, ['channel', 'data', 'event', 'idempotencyKey', 'excludeSelf', 'ephemeral']);
    requireChannel(p, m);
    requireData(p, m);
    optionalString(p, m, 'event', MAX_EVENT_LENGTH);
    optionalString(p, m, 'idempotencyKey', MAX_IDEMPOTENCY_KEY_LENGTH);
    if (p.idempotencyKey === '') throw bad(`${m}.idempotencyKey must not be empty`);
    optionalBoolean(p, m, 'excludeSelf');
    optionalBoolean(p, m, 'ephemeral');
    // An idempotency key makes a retried, stored publication count once; an ephemeral one is
    // neither stored nor retried, so the pair is a client bug.
    if (p.ephemeral === true && p.idempotencyKey !== undefined) throw bad(`${m}.ephemeral cannot be combined with idempotencyKey`);
    // Checked last: the walk is the one check whose cost grows with the payload.
    checkData(p, m, depth, true);
  },
  rpc(p, m, depth) {
    allowOnly(p, m, ['method', 'data', 'idempotencyKey']);
    if (typeof p.method !== 'string' || p.method.length === 0) throw bad(`${m}.method must be a non-empty string`);
    optionalString(p, m, 'method', MAX_METHOD_LENGTH);
    optionalString(p, m, 'idempotencyKey', MAX_IDEMPOTENCY_KEY_LENGTH);
    if (p.idempotencyKey === '') throw bad(`${m}.idempotencyKey must not be empty`);
    checkData(p, m, depth);
  },
  send(p, m, depth) {
    allowOnly(p, m, ['data']);
    requireData(p, m);
    checkData(p, m, depth);
  },
  ping(p, m) {
    allowOnly(p, m, []);
  },
  refresh(p, m) {
    allowOnly(p, m, ['token']);
    requireToken(p, m);
  },
  sub_refresh(p, m) {
    allowOnly(p, m, ['channel', 'token']);
    requireChannel(p, m);
    requireToken(p, m);
  },
  history(p, m) {
    allowOnly(p, m, ['channel', 'limit', 'since', 'reverse']);
    requireChannel(p, m);
    optionalLimit(p, m);
    checkPosition(p, m);
    optionalBoolean(p, m, 'reverse');
  },
  resume(p, m) {
    allowOnly(p, m, ['channel', 'since']);
    requireChannel(p, m);
    if (p.since === undefined) throw bad(`${m}.since is required`);
    checkPosition(p, m);
  },
  presence(p, m) {
    allowOnly(p, m, ['channel']);
    requireChannel(p, m);
  },
  presence_stats(p, m) {
    allowOnly(p, m, ['channel']);
    requireChannel(p, m);
  },
};

/**
 * Validates one decoded value as a command.
 * Throws ProtocolError when the value has no usable envelope (not an object, bad or missing id):
 * such a frame cannot be answered and the connection must be closed with 3501.
 * @example codec.decode(message).map((value) => parseCommand(value, { maxDataDepth: 32 }))
 */
export function parseCommand(value: unknown, options: ParseOptions = {}): ParsedCommand {
  if (!isPlainObject(value)) {
    throw new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', 'command must be an object');
  }
  const id = value.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1 || id > MAX_COMMAND_ID) {
    throw new ProtocolError('PROTO_ERR_INVALID_ID', 'command id must be a positive integer');
  }
  try {
    for (const key of Object.keys(value)) {
      if (!ENVELOPE_KEYS.has(key)) throw bad(`unknown field ${quote(key)} in command`);
    }
    const method = value.method;
    if (typeof method !== 'string') throw bad('command method must be a string');
    if (!(METHODS as readonly string[]).includes(method)) {
      throw new ReplyError(ERROR_CODES.METHOD_NOT_FOUND, `unknown method ${quote(method)}`);
    }
    const params = value.params === undefined ? {} : value.params;
    if (!isPlainObject(params)) throw bad(`${method}.params must be an object`);
    RULES[method as Method](params, method as Method, options.maxDataDepth ?? MAX_DATA_DEPTH);
    return { ok: true, command: { id, method, params } as Command };
  } catch (error) {
    if (error instanceof ReplyError) return { ok: false, id, error };
    throw error;
  }
}

function checkErrorShape(value: unknown): void {
  if (!isPlainObject(value) || typeof value.code !== 'number' || typeof value.message !== 'string') {
    throw new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', 'reply error must be {code, message, temporary}');
  }
}

/**
 * Validates one decoded value as a server frame (reply or push), leniently: unknown fields are
 * kept, and an unknown push type returns `null` so that the caller ignores it. A compact
 * publication (protocol v2: a `c` and no `type`) comes back as the publication push it stands
 * for. Throws ProtocolError when the value is neither a reply nor a push.
 */
export function parseServerFrame(value: unknown): ServerFrame | null {
  if (!isPlainObject(value)) {
    throw new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', 'server frame must be an object');
  }
  if (value.id !== undefined) {
    if (typeof value.id !== 'number' || !Number.isSafeInteger(value.id) || value.id < 1) {
      throw new ProtocolError('PROTO_ERR_INVALID_ID', 'reply id must be a positive integer');
    }
    if ('error' in value) {
      checkErrorShape(value.error);
      const error = value.error as { code: number; message: string; temporary?: unknown };
      return { id: value.id, error: { code: error.code, message: error.message, temporary: error.temporary === true } };
    }
    if (!('result' in value)) {
      throw new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', 'reply must carry result or error');
    }
    return { id: value.id, result: value.result };
  }
  if (value.type === undefined && value.c !== undefined) return expandPublication(value);
  if (typeof value.type !== 'string') {
    throw new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', 'push must carry a type');
  }
  if (!(PUSH_TYPES as readonly string[]).includes(value.type)) return null;
  const needsChannel = value.type !== 'message' && value.type !== 'disconnect' && value.type !== 'ping';
  if (needsChannel && typeof value.channel !== 'string') {
    throw new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', `${value.type} push must carry a channel`);
  }
  if (value.type === 'disconnect' && typeof value.code !== 'number') {
    throw new ProtocolError('PROTO_ERR_INVALID_ENVELOPE', 'disconnect push must carry a code');
  }
  return value as unknown as Push;
}

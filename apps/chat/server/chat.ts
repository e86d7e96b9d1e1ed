/**
 * @module chat/server/chat
 * Server half of the demo chat: display names from the connect data, a list of rooms (RPCs plus
 * the `demo:rooms` channel), and validation of what is published to `chat:<room>`: messages
 * (kept in history) and typing events (ephemeral).
 *
 * A display name is whatever the client sends in its connect data (`{ name }`): it is trimmed
 * and bounded, never trusted as an identity (the demo does not authenticate).
 */
import { randomUUID } from 'node:crypto';
import { ERROR_CODES, ReplyError, type ClientDetails, type PublishEvent, type PublishHookResult, type Relais } from '@relais/server';
import {
  CHAT_NAMESPACE,
  CREATE_ROOM_RPC,
  DEMO_NAMESPACE,
  MESSAGE_EVENT,
  ROOM_NAME_PATTERN,
  ROOMS_CHANNEL,
  ROOMS_RPC,
  TYPING_EVENT,
  type ChatMessage,
  type ChatMessageInput,
  type TypingNotice,
} from '../shared/protocol.js';
import type { ResolvedDemoOptions } from './options.js';
import { RateLimiter } from './rate-limiter.js';

/** Typing notifications a user may send at once, then per second: the app sends one every 2 s at most. */
export const TYPING_RATE = { burst: 5, perSecond: 1 } as const;

// Control characters (C0, DEL, C1) have no place in a name or a message; line breaks and tabs do in messages.
/* eslint-disable no-control-regex -- matching control characters is the point */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
const MESSAGE_CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/* eslint-enable no-control-regex */
const NONCE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function bad(message: string): ReplyError {
  return new ReplyError(ERROR_CODES.BAD_REQUEST, message);
}

function characters(text: string): number {
  return [...text].length;
}

/**
 * Checks a display name: trimmed, 1 to `max` characters, no control characters.
 * Returns the trimmed name, or throws ReplyError 107.
 */
export function checkDisplayName(name: unknown, max: number): string {
  if (typeof name !== 'string') throw bad('display name must be a string');
  const trimmed = name.trim();
  if (trimmed === '') throw bad('display name is empty');
  if (characters(trimmed) > max) throw bad(`display name is longer than ${max} characters`);
  if (CONTROL_CHARS.test(trimmed)) throw bad('display name must not contain control characters');
  return trimmed;
}

/** Checks a room name and returns it; throws ReplyError 107. */
export function checkRoomName(name: unknown): string {
  if (typeof name !== 'string' || !ROOM_NAME_PATTERN.test(name)) {
    throw bad('room names are 1 to 32 lowercase letters, digits, "-" or "_", starting with a letter or a digit');
  }
  return name;
}

/** The display name a client chose at connect time, if any. */
export function displayNameOf(client: ClientDetails): string | undefined {
  const info = client.info as { name?: unknown } | undefined;
  return typeof info?.name === 'string' ? info.name : undefined;
}

/**
 * Validates one chat message: `{ text, nonce? }`, text trimmed, not empty, at most `max`
 * characters (106 beyond), no control characters but newlines and tabs. Returns the clean input.
 */
export function checkMessage(data: unknown, max: number): ChatMessageInput {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('a chat message is an object { text }');
  const { text, nonce, ...rest } = data as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) throw bad(`unknown field ${JSON.stringify(extra.slice(0, 32))} in a chat message`);
  if (typeof text !== 'string') throw bad('a chat message needs a text string');
  const trimmed = text.trim();
  if (trimmed === '') throw bad('message is empty');
  if (characters(trimmed) > max) throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, `message is longer than ${max} characters`);
  if (MESSAGE_CONTROL_CHARS.test(trimmed)) throw bad('message must not contain control characters');
  if (nonce !== undefined && (typeof nonce !== 'string' || !NONCE_PATTERN.test(nonce)))
    throw bad('nonce must be 1 to 64 letters, digits, "-" or "_"');
  return nonce === undefined ? { text: trimmed } : { text: trimmed, nonce };
}

/** The room list of one node, in creation order. */
class Rooms {
  readonly #rooms: Set<string>;
  readonly #max: number;

  constructor(initial: readonly string[], max: number) {
    this.#rooms = new Set(initial);
    this.#max = max;
  }

  list(): string[] {
    return [...this.#rooms];
  }

  /** Adds a room; true when it is new. Throws 106 when the node holds maxRooms already. */
  ensure(room: string): boolean {
    if (this.#rooms.has(room)) return false;
    if (this.#rooms.size >= this.#max) throw new ReplyError(ERROR_CODES.LIMIT_EXCEEDED, `this server holds at most ${this.#max} rooms`);
    this.#rooms.add(room);
    return true;
  }
}

/**
 * Registers the chat's hooks and RPCs on `relais`; returns a disposer removing them.
 * Rooms are kept in this node's memory: a room somebody subscribes or publishes to is (re)created,
 * so rooms come back after a restart as soon as their members reconnect.
 */
export function installChat(relais: Relais, options: ResolvedDemoOptions): () => void {
  const rooms = new Rooms(options.rooms, options.maxRooms);
  const limiter = new RateLimiter(options.rateLimitBurst, options.rateLimitPerSecond, options.now);
  // Typing has its own bucket: it must not eat the message budget, nor flood a room.
  const typingLimiter = new RateLimiter(TYPING_RATE.burst, TYPING_RATE.perSecond, options.now);

  /** Adds the room if new (announcing the new list); true when it was created. */
  const ensureRoom = (room: string): boolean => {
    if (!rooms.ensure(room)) return false;
    relais.publish(ROOMS_CHANNEL, { rooms: rooms.list() }).catch(() => {
      // The broker is closing; clients re-read the list with chat.rooms on reconnect.
    });
    return true;
  };

  const roomOf = (channel: string): string | undefined =>
    channel.startsWith(`${CHAT_NAMESPACE}:`) ? channel.slice(CHAT_NAMESPACE.length + 1) : undefined;

  // Security: `data` is client payload; everything that fans out is rebuilt here from checked parts.
  const onPublish = ({ client, channel, data, event, ephemeral }: PublishEvent): PublishHookResult | undefined => {
    if (channel === ROOMS_CHANNEL || channel.startsWith(`${DEMO_NAMESPACE}:`))
      throw new ReplyError(ERROR_CODES.PERMISSION_DENIED, 'only the server publishes here');
    const room = roomOf(channel);
    if (room === undefined) return undefined;
    checkRoomName(room);
    const author = displayNameOf(client);
    if (author === undefined) throw new ReplyError(ERROR_CODES.PERMISSION_DENIED, 'pick a display name before chatting');
    if (event === TYPING_EVENT) return onTyping(client, data, ephemeral === true, author);
    if (event !== undefined && event !== MESSAGE_EVENT) throw bad(`unknown chat event ${JSON.stringify(event.slice(0, 32))}`);
    // An ephemeral message would be neither kept nor recovered: a tab that was away would miss it.
    if (ephemeral) throw bad('chat messages must not be ephemeral');
    const input = checkMessage(data, options.maxMessageLength);
    const waitMs = limiter.take(client.user || client.client);
    if (waitMs > 0) {
      throw new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS, `too many messages: wait ${Math.ceil(waitMs / 1000)} s before sending again`);
    }
    ensureRoom(room);
    const message: ChatMessage = { id: randomUUID(), text: input.text, author, at: options.now() };
    if (input.nonce !== undefined) message.nonce = input.nonce;
    return { data: message };
  };

  const onTyping = (client: ClientDetails, data: unknown, ephemeral: boolean, author: string): PublishHookResult => {
    // Typing is live only: never kept in history, never recovered (stale once replayed).
    if (!ephemeral) throw bad('typing events must be ephemeral');
    if (typeof data !== 'object' || data === null || Array.isArray(data) || Object.keys(data).length > 0)
      throw bad('a typing event carries {}');
    const waitMs = typingLimiter.take(client.user || client.client);
    if (waitMs > 0) throw new ReplyError(ERROR_CODES.TOO_MANY_REQUESTS, 'too many typing notifications');
    const notice: TypingNotice = { author };
    return { data: notice };
  };

  const disposers = [
    relais.onConnecting(({ data }) => {
      const name = (data as { name?: unknown } | undefined)?.name;
      if (typeof data !== 'object' || data === null || name === undefined) return undefined;
      return { info: { name: checkDisplayName(name, options.maxNameLength) } };
    }),
    relais.onSubscribe(({ channel }) => {
      const room = roomOf(channel);
      if (room !== undefined) ensureRoom(checkRoomName(room));
      return undefined;
    }),
    relais.onPublish(onPublish),
    relais.rpc(ROOMS_RPC, () => ({ rooms: rooms.list() })),
    relais.rpc(CREATE_ROOM_RPC, ({ data }) => {
      const raw = (data as { name?: unknown } | undefined)?.name;
      const room = checkRoomName(typeof raw === 'string' ? raw.trim().toLowerCase() : raw);
      return { room, created: ensureRoom(room) };
    }),
  ];
  return () => {
    for (const dispose of disposers) dispose();
  };
}

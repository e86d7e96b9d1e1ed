/**
 * @module chat/shared/protocol
 * The chat's wire contract, written once for its two halves: the UI (src/) and the server half
 * (server/). Channel names, RPCs, events, message shapes and their guards, and `chatContract`:
 * the shapes clients send, as zod schemas, which the server enforces (its `contract` option:
 * 107 with the schema's message) and the UI's calls are typed by (`typed(client, chatContract)`).
 * It imports only @relais/protocol (for defineContract) and zod.
 */
import { defineContract } from '@relais/protocol';
import { z } from 'zod';

/** Namespace of the chat rooms: room `lobby` is channel `chat:lobby`. */
export const CHAT_NAMESPACE = 'chat';
/** Namespace of the demos' server-only channels (`demo:rooms`, the counter's `demo:counter`). */
export const DEMO_NAMESPACE = 'demo';

/** Room `lobby` is channel `chat:lobby`. */
export const roomChannel = (room: string): `${typeof CHAT_NAMESPACE}:${string}` => `${CHAT_NAMESPACE}:${room}`;
/** Server-only channel announcing the room list (`{ rooms }`) whenever a room is created. */
export const ROOMS_CHANNEL = `${DEMO_NAMESPACE}:rooms`;
/** RPC: `{ rooms: string[] }`. */
export const ROOMS_RPC = 'chat.rooms';
/** RPC: `{ name }` → `{ room, created }`; creating an existing room is not an error. */
export const CREATE_ROOM_RPC = 'chat.createRoom';

/** Room names: 1–32 of a-z, 0-9, "-", "_", starting with a letter or a digit. */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** Longest display name, in characters after trimming, unless the server is configured otherwise. */
export const MAX_NAME_LENGTH = 32;
/** Longest chat message, in characters after trimming, unless the server is configured otherwise. */
export const MAX_MESSAGE_LENGTH = 500;
/** Event of a chat message (also the default when a publish names no event). */
export const MESSAGE_EVENT = 'message';
/** Event of "X is typing": published ephemeral with data `{}`, fanned out as `{ author }`. */
export const TYPING_EVENT = 'typing';
/** Most messages read from the room's history on join and after a lost recovery (the server keeps 100 by default). */
export const HISTORY_LIMIT = 100;

/** A message's nonce: 1 to 64 letters, digits, "-" or "_". */
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The wire contract of what clients send: a message (no event, or `message`) is `{ text, nonce? }`
 * and nothing else, a typing event `{}`; `chat.createRoom` takes `{ name }`. The server half
 * checks the rest (trimming, lengths, control characters, display names, rate limits).
 */
export const chatContract = defineContract({
  channels: {
    [CHAT_NAMESPACE]: {
      publication: z.strictObject({ text: z.string(), nonce: z.string().regex(NONCE_PATTERN).optional() }),
      events: {
        [MESSAGE_EVENT]: z.strictObject({ text: z.string(), nonce: z.string().regex(NONCE_PATTERN).optional() }),
        [TYPING_EVENT]: z.strictObject({}),
      },
    },
  },
  rpc: {
    [ROOMS_RPC]: { output: z.object({ rooms: z.array(z.string()) }) },
    [CREATE_ROOM_RPC]: { input: z.object({ name: z.string() }), output: z.object({ room: z.string(), created: z.boolean() }) },
  },
});

/** What a client publishes to a room. */
export interface ChatMessageInput {
  text: string;
  /** Client-chosen id echoed back, to match a publication with the local pending message. */
  nonce?: string;
}

/** What the room's subscribers receive: the message as validated and stamped by the server. */
export interface ChatMessage {
  id: string;
  text: string;
  author: string;
  /** Server time the message was accepted, ms since the epoch. */
  at: number;
  nonce?: string;
}

/** What the room's subscribers receive with a typing event: who is typing. */
export interface TypingNotice {
  author: string;
}

export function isTypingNotice(value: unknown): value is TypingNotice {
  return typeof value === 'object' && value !== null && typeof (value as Partial<TypingNotice>).author === 'string';
}

export function isChatMessage(value: unknown): value is ChatMessage {
  const m = value as Partial<ChatMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    typeof m.id === 'string' &&
    typeof m.text === 'string' &&
    typeof m.author === 'string' &&
    typeof m.at === 'number'
  );
}

export function roomsOf(value: unknown): string[] {
  const rooms = (value as { rooms?: unknown } | null)?.rooms;
  return Array.isArray(rooms) ? rooms.filter((r): r is string => typeof r === 'string' && ROOM_NAME_PATTERN.test(r)) : [];
}

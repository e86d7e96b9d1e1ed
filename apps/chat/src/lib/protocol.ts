/**
 * @module chat/lib/protocol
 * What the chat exchanges with the demo server (packages/server/src/demo): channel names, RPCs and
 * message shapes. Kept here so the app depends on @relais/client and @relais/svelte only.
 */

/** Room `lobby` is channel `chat:lobby`. */
export const roomChannel = (room: string): string => `chat:${room}`;
/** Announces `{ rooms }` whenever a room is created. */
export const ROOMS_CHANNEL = 'demo:rooms';
export const ROOMS_RPC = 'chat.rooms';
export const CREATE_ROOM_RPC = 'chat.createRoom';

/** Same rule as the server: 1–32 of a-z, 0-9, "-", "_", starting with a letter or a digit. */
export const ROOM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const MAX_NAME_LENGTH = 32;
export const MAX_MESSAGE_LENGTH = 500;
/** Event of a chat message (a publication without event is one too). */
export const MESSAGE_EVENT = 'message';
/** Event of "X is typing": the app publishes `{}` ephemeral, the server fans out `{ author }`. */
export const TYPING_EVENT = 'typing';
/** Most messages read from the room's history on join and after a lost recovery (the server keeps 100 by default). */
export const HISTORY_LIMIT = 100;

/** What the app publishes. */
export interface ChatInput {
  text: string;
  nonce: string;
}

/** What the server fans out, stamped by it. */
export interface ChatMessage {
  id: string;
  text: string;
  author: string;
  /** Server time, ms since the epoch. */
  at: number;
  nonce?: string;
}

/** What the server fans out with a typing event. */
export interface TypingNotice {
  author: string;
}

export function isTypingNotice(value: unknown): value is TypingNotice {
  return typeof value === 'object' && value !== null && typeof (value as Partial<TypingNotice>).author === 'string';
}

export function isChatMessage(value: unknown): value is ChatMessage {
  const m = value as Partial<ChatMessage> | null;
  return (
    typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.text === 'string' && typeof m.author === 'string' && typeof m.at === 'number'
  );
}

export function roomsOf(value: unknown): string[] {
  const rooms = (value as { rooms?: unknown } | null)?.rooms;
  return Array.isArray(rooms) ? rooms.filter((r): r is string => typeof r === 'string' && ROOM_NAME_PATTERN.test(r)) : [];
}

/**
 * @module @relais/app-chat/server
 * The chat's server half, installed by `relais serve`: rooms, display names, message
 * validation, a per-user rate limit, typing events, and the `chat` namespace with history and
 * presence. It uses only the public API of @relais/server.
 * @example
 * const demo = resolveDemoOptions({ maxMessageLength: 200 });
 * const relais = createRelais({ namespaces: withDemoNamespaces(undefined, demo) });
 * installChat(relais, demo);
 */
export { installChat, checkDisplayName, checkMessage, checkRoomName, displayNameOf, TYPING_RATE } from './chat.js';
export { withDemoNamespaces } from './namespaces.js';
export * from './options.js';
export {
  chatContract,
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

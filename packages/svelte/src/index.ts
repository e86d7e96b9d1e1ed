/**
 * @module @relais/svelte
 * Svelte stores over the relais client SDK: connection state, a channel's publications and its
 * presence.
 */
export { connectionState, type ConnectionStateValue } from './connection-state.js';
export { channelStore, DEFAULT_CHANNEL_STORE_MAX, type ChannelStore, type ChannelStoreOptions } from './channel-store.js';
export { mergePresence, presenceStore, type PresenceEvent, type PresenceValue } from './presence-store.js';

/**
 * @module @relais/svelte
 * Svelte stores over the relais client SDK: connection state and a channel's publications.
 */
export { connectionState, type ConnectionStateValue } from './connection-state.js';
export { channelStore, DEFAULT_CHANNEL_STORE_MAX, type ChannelStore, type ChannelStoreOptions } from './channel-store.js';

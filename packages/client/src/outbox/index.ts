/**
 * @module @relais/client/outbox
 * Durable publishes and RPCs that survive reloads and crashes: `new Outbox(client, { store: 'indexeddb' })`.
 * A separate entry point, so apps without an outbox pay nothing for it in their bundle.
 */
export {
  DEFAULT_OUTBOX_MAX_AGE_MS,
  Outbox,
  type DurablePublishOptions,
  type OutboxClient,
  type OutboxEvents,
  type OutboxOptions,
} from './outbox.js';
export { MemoryOutboxStore, type OutboxEntry, type OutboxRecord, type OutboxRpcEntry, type OutboxStore } from './store.js';
export { DEFAULT_OUTBOX_DATABASE, IndexedDbOutboxStore } from './indexeddb-store.js';
export { JsonFileOutboxStore, type OutboxFiles } from './file-store.js';
export { OutboxExpiredError, OutboxStoreError } from './errors.js';

/**
 * @module testing
 * Test doubles for code that uses @relais/client: FakeServer (speaks protocol v1 through a fake
 * WebSocket constructor) and helpers.
 */
export * from './fake-server.js';
export * from './helpers.js';
export { FakeChannels, FakeLocks, FakeTabLocks } from './fake-tabs.js';

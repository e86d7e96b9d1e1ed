/**
 * @module @relais/server/testkit
 * Test utilities: FakeTransport, the Broker contract suite, and a raw WebSocket test client.
 * `runBrokerSuite` imports vitest (a peer dependency of this entry point).
 */
export { FakeTransport, flushMicrotasks, type FakeTransportOptions } from './fake-transport.js';
export { runBrokerSuite, type BrokerSuiteContext, type BrokerSuiteOptions, type MakeBrokers } from './broker-suite.js';
export { TestClient, type CloseInfo, type TestClientOptions } from './ws-client.js';

/**
 * @module @relais/server/testkit
 * Test utilities: FakeTransport, a strict Prometheus text reader, the contract suites (Broker, history, PresenceStore, ControlLink, what a
 * node delivers), a raw WebSocket test client, and nodes on port 0 for end-to-end tests. The
 * suites and the test nodes import vitest (the deliverable suite also fast-check): dev
 * dependencies of whoever runs them.
 */
export { FakeTransport, flushMicrotasks, type FakeTransportOptions } from './fake-transport.js';
export { delegatingBroker } from './delegating-broker.js';
export { runBrokerSuite, type BrokerSuiteContext, type BrokerSuiteOptions, type MakeBrokers } from './broker-suite.js';
export { runHistorySuite, type HistorySuiteOptions } from './history-suite.js';
export { runControlLinkSuite, type MakeControlLinks } from './control-link-suite.js';
export { runPresenceSuite, type MakePresenceStores, type PresenceSuiteOptions } from './presence-suite.js';
export { runRpcReplyStoreSuite, type MakeRpcReplyStores } from './rpc-reply-store-suite.js';
export { nested, runDeliverableSuite, type DeliverableSuiteOptions } from './deliverable-suite.js';
export { TestClient, type CloseInfo, type TestClientOptions } from './ws-client.js';
export { connectSession, openSession, sendCommands, type OpenedSession } from './sessions.js';
export { useTestNodes, type TestNode } from './test-node.js';
export { callApi, type ApiAnswer, type CallApiOptions } from './api-client.js';
export { parsePrometheusText, sampleValue, type PromFamily, type PromSample } from './prometheus-text.js';
export { emulate, openStream, roundRobin, send as httpSend, type OpenStream, type HttpResponse } from './http-client.js';

/**
 * @module metrics/families
 * The Prometheus families of one node: their names, help texts and labels, registered in the
 * order /metrics renders them. The counting logic that bumps them is metrics/metrics.ts.
 */
import { Counter, Gauge, Histogram, type Registry } from './prometheus.js';

/** Upper bounds of the command latency histograms, in seconds. */
export const COMMAND_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Upper bounds of the engine round-trip histograms, in seconds. */
export const ENGINE_SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** Registers counter `name` in `registry`. */
export function counter(registry: Registry, name: string, help: string, labels: readonly string[] = []): Counter {
  return registry.register(new Counter(name, help, labels));
}

/** Registers gauge `name` in `registry`. */
export function gauge(registry: Registry, name: string, help: string, labels: readonly string[] = []): Gauge {
  return registry.register(new Gauge(name, help, labels));
}

/** The node's families, registered in `registry` in this order (the order of /metrics). */
export function createFamilies(registry: Registry) {
  return {
    connections: gauge(registry, 'relais_connections', 'Open connections (connecting and connected).', ['transport', 'encoding']),
    opened: counter(registry, 'relais_connections_opened_total', 'Connections accepted.', ['transport', 'encoding']),
    connects: counter(registry, 'relais_connects_total', 'Connections established by a successful connect command.'),
    disconnects: counter(registry, 'relais_disconnects_total', 'Connections closed, by close code.', ['code']),
    refusals: counter(registry, 'relais_handshake_refusals_total', 'Connections refused before they were established, by reason.', [
      'reason',
    ]),
    slow: counter(registry, 'relais_slow_consumer_closes_total', 'Connections closed because their send queue was full (3008).'),
    behind: counter(
      registry,
      'relais_slow_consumer_behind_total',
      "Subscriptions that fell behind (queue full, slowConsumer 'catch-up') instead of closing, by namespace.",
      ['namespace'],
    ),
    flood: counter(registry, 'relais_flood_closes_total', 'Connections closed for flooding past a rate limit (3013).'),
    subscriptions: gauge(registry, 'relais_subscriptions', 'Subscriptions held by connections of this node.', ['namespace']),
    channels: gauge(registry, 'relais_channels', 'Channels the engine delivers to this node (with local subscribers).', ['namespace']),
    received: counter(registry, 'relais_transport_messages_received_total', 'Inbound transport messages.', ['transport', 'encoding']),
    receivedBytes: counter(registry, 'relais_transport_received_bytes_total', 'Bytes of inbound transport messages.', [
      'transport',
      'encoding',
    ]),
    sent: counter(registry, 'relais_transport_messages_sent_total', 'Outbound transport messages, after coalescing.', [
      'transport',
      'encoding',
    ]),
    sentBytes: counter(registry, 'relais_transport_sent_bytes_total', 'Bytes of outbound transport messages.', ['transport', 'encoding']),
    frontendReceived: counter(registry, 'relais_frontend_messages_received_total', 'Inbound messages of protocol front-ends.', [
      'frontend',
      'transport',
    ]),
    frontendReceivedBytes: counter(registry, 'relais_frontend_received_bytes_total', 'Bytes of inbound messages of protocol front-ends.', [
      'frontend',
      'transport',
    ]),
    frontendSent: counter(registry, 'relais_frontend_messages_sent_total', 'Outbound messages of protocol front-ends.', [
      'frontend',
      'transport',
    ]),
    frontendSentBytes: counter(registry, 'relais_frontend_sent_bytes_total', 'Bytes of outbound messages of protocol front-ends.', [
      'frontend',
      'transport',
    ]),
    frames: counter(registry, 'relais_frames_sent_total', 'Frames queued to connections (publication deliveries, other pushes, replies).', [
      'namespace',
      'kind',
    ]),
    frameBytes: counter(registry, 'relais_frames_sent_bytes_total', 'Bytes of the frames queued to connections.', ['namespace', 'kind']),
    publications: counter(registry, 'relais_publications_total', 'Publications this node had the engine accept, by source.', [
      'namespace',
      'source',
    ]),
    commands: counter(registry, 'relais_commands_total', 'Commands received, by method.', ['method']),
    commandSeconds: registry.register(
      new Histogram(
        'relais_command_duration_seconds',
        'Time from a command handler start to its answer, by method.',
        ['method'],
        COMMAND_SECONDS_BUCKETS,
      ),
    ),
    errors: counter(registry, 'relais_errors_total', 'Reply errors sent, by code.', ['code']),
    badFrames: counter(registry, 'relais_protocol_violations_total', 'Inbound messages that broke the protocol (malformed, oversized).'),
    limited: counter(registry, 'relais_rate_limited_total', 'Requests refused by a rate limit or cap, by limit.', ['limit']),
    recoveries: counter(registry, 'relais_recoveries_total', 'Subscribes with a position to recover from, by outcome.', [
      'namespace',
      'outcome',
    ]),
    engineRequests: counter(registry, 'relais_engine_requests_total', 'Calls to the engine (broker and presence store), by operation.', [
      'op',
    ]),
    engineErrors: counter(registry, 'relais_engine_errors_total', 'Engine calls that failed, by operation.', ['op']),
    engineSeconds: registry.register(
      new Histogram('relais_engine_request_duration_seconds', 'Engine call round trips, by operation.', ['op'], ENGINE_SECONDS_BUCKETS),
    ),
    proxyCalls: counter(registry, 'relais_proxy_calls_total', 'Backend calls of the proxy option, by hook and outcome.', [
      'hook',
      'outcome',
    ]),
    proxySeconds: registry.register(
      new Histogram(
        'relais_proxy_call_duration_seconds',
        'Backend call times of the proxy option, by hook.',
        ['hook'],
        COMMAND_SECONDS_BUCKETS,
      ),
    ),
  };
}

/** The families of one node (see createFamilies). */
export type MetricFamilies = ReturnType<typeof createFamilies>;

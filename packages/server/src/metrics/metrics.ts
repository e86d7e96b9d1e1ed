/**
 * @module metrics/metrics
 * The instruments of one node: Prometheus families (see metrics/prometheus) that the node's
 * parts bump, and the plain snapshot `relais.stats()` reads from the same counts. Every label
 * is bounded (transports, encodings, codes, methods, namespaces through NamespaceLabels); the
 * hot paths keep pre-resolved children (one per connection, per namespace, per method).
 */
import { Registry, type CounterChild, type GaugeChild, type HistogramChild } from './prometheus.js';
import { createFamilies, gauge, type MetricFamilies } from './families.js';
import { NamespaceLabels } from './namespace-labels.js';
import type { EngineOpCounters } from './instrumented-engine.js';
import type { MetricsSnapshot, NodeResources } from './snapshot.js';

export type { MetricsSnapshot, NodeResources } from './snapshot.js';
export { COMMAND_SECONDS_BUCKETS, ENGINE_SECONDS_BUCKETS } from './families.js';

/** Why a connection was refused before it was established (`relais_handshake_refusals_total`). */
export type RefusalReason = 'origin' | 'rate' | 'path' | 'subprotocol' | 'closing' | 'pending' | 'connection_limit' | 'auth';

/** Refusals that happen before a WebSocket exists; `stats().refusedUpgrades` lists only these. */
const UPGRADE_REFUSALS = new Set<string>(['origin', 'rate', 'path', 'subprotocol', 'closing', 'pending']);

/** What a frame is (`kind` label): a publication to a subscriber, another push, or a reply. */
export type FrameKind = 'publication' | 'push' | 'reply';

/**
 * The counts of the connections of one transport and encoding: every session of the pair
 * bumps the same meter's plain fields on its hot path (no call, no lookup); the Prometheus
 * families read them when rendered.
 */
export class ConnectionMeter {
  /** Open connections of the pair. */
  open = 0;
  /** Inbound transport messages and their bytes. */
  received = 0;
  receivedBytes = 0;
  /** Outbound transport messages (after coalescing) and their bytes. */
  sent = 0;
  sentBytes = 0;
}

interface ConnectionChildren {
  meter: ConnectionMeter;
  open: GaugeChild;
  received: CounterChild;
  receivedBytes: CounterChild;
  sent: CounterChild;
  sentBytes: CounterChild;
  /** relais_connections_opened_total of this transport and encoding. */
  opened: CounterChild;
}

/** A close code as a bounded label: WebSocket codes 1000–1015 and relais/app codes 3000–4999. */
function codeLabel(code: number): string {
  return Number.isInteger(code) && ((code >= 1000 && code <= 1015) || (code >= 3000 && code <= 4999)) ? String(code) : 'other';
}

/**
 * The traffic of one protocol front-end's transport (`socketio` over `polling`…), in its own
 * wire format: messages and bytes as its clients send and receive them. Kept by the front-end
 * for the transport's life (pre-resolved children).
 */
export interface FrontendTraffic {
  received(messages: number, bytes: number): void;
  sent(messages: number, bytes: number): void;
}

interface NamespaceChildren {
  subscriptions: GaugeChild;
  clientPublications: CounterChild;
  serverPublications: CounterChild;
  publicationFrames: CounterChild;
  publicationBytes: CounterChild;
  pushFrames: CounterChild;
  pushBytes: CounterChild;
}

/** Mutable counters; one instance per node. */
export class Metrics {
  readonly registry = new Registry();
  readonly namespaces: NamespaceLabels;
  /** Subscriptions held with a subscription token (each watched by a timer). */
  tokenTimers = 0;
  /** Subscriptions held now, over all connections. */
  subscriptions = 0;

  readonly #families: MetricFamilies = createFamilies(this.registry);
  #channelSource: () => Iterable<string> = () => [];
  readonly #byNamespace = new Map<string, NamespaceChildren>();
  readonly #connectionMeters = new Map<string, ConnectionChildren>();
  /** The channel of the last fan-out and its children: a busy channel resolves its label once. */
  #lastChannel: string | undefined;
  #lastChildren: NamespaceChildren | undefined;
  readonly #engineChildren = new Map<string, EngineOpCounters>();
  readonly #reply: { frames: CounterChild; bytes: CounterChild };
  readonly #commandChildren = new Map<string, { count: CounterChild; seconds: HistogramChild }>();

  /** `namespaces`: the names of the `namespaces` option (their labels are always their own). */
  constructor(namespaces: Iterable<string> = []) {
    this.namespaces = new NamespaceLabels(namespaces);
    this.#reply = { frames: this.#families.frames.labels('', 'reply'), bytes: this.#families.frameBytes.labels('', 'reply') };
    this.registry.beforeRender(() => {
      this.#syncConnections();
      this.#countChannels();
    });
  }

  /** Where `relais_channels` reads the channels the engine delivers to this node, at render. */
  watchChannels(channels: () => Iterable<string>): void {
    this.#channelSource = channels;
  }

  /** Adds `relais_node_info` (always 1) with the node's id, version and engine. */
  nodeInfo(nodeId: string, version: string, engine: string): void {
    gauge(this.registry, 'relais_node_info', 'This node: its id, version and engine (value 1).', ['node_id', 'version', 'engine'])
      .labels(nodeId, version, engine)
      .set(1);
  }

  #countChannels(): void {
    for (const { child } of this.#families.channels.children()) child.set(0);
    for (const channel of this.#channelSource()) this.#families.channels.labels(this.namespaces.of(channel)).inc();
  }

  /** The traffic counters of front-end `frontend` over `transport` (bounded names, chosen by the front-end). */
  frontendTraffic(frontend: string, transport: string): FrontendTraffic {
    const received = this.#families.frontendReceived.labels(frontend, transport);
    const receivedBytes = this.#families.frontendReceivedBytes.labels(frontend, transport);
    const sent = this.#families.frontendSent.labels(frontend, transport);
    const sentBytes = this.#families.frontendSentBytes.labels(frontend, transport);
    return {
      received: (messages, bytes) => {
        received.inc(messages);
        receivedBytes.inc(bytes);
      },
      sent: (messages, bytes) => {
        sent.inc(messages);
        sentBytes.inc(bytes);
      },
    };
  }

  /** A new connection over `transport` (its name) in `encoding`; keep the meter for its life. */
  connection(transport: string, encoding: string): ConnectionMeter {
    const key = `${transport}\u0000${encoding}`;
    let entry = this.#connectionMeters.get(key);
    if (!entry) {
      entry = {
        meter: new ConnectionMeter(),
        open: this.#families.connections.labels(transport, encoding),
        received: this.#families.received.labels(transport, encoding),
        receivedBytes: this.#families.receivedBytes.labels(transport, encoding),
        sent: this.#families.sent.labels(transport, encoding),
        sentBytes: this.#families.sentBytes.labels(transport, encoding),
        opened: this.#families.opened.labels(transport, encoding),
      };
      this.#connectionMeters.set(key, entry);
    }
    entry.meter.open++;
    entry.opened.inc();
    return entry.meter;
  }

  /** Copies the connection meters' counts into their families. */
  #syncConnections(): void {
    for (const { meter, open, received, receivedBytes, sent, sentBytes } of this.#connectionMeters.values()) {
      open.set(meter.open);
      received.value = meter.received;
      receivedBytes.value = meter.receivedBytes;
      sent.value = meter.sent;
      sentBytes.value = meter.sentBytes;
    }
  }

  /** The children of one namespace label, resolved once. */
  #namespace(channel: string | undefined): NamespaceChildren {
    const label = channel === undefined ? '' : this.namespaces.of(channel);
    let children = this.#byNamespace.get(label);
    if (!children) {
      children = {
        subscriptions: this.#families.subscriptions.labels(label),
        clientPublications: this.#families.publications.labels(label, 'client'),
        serverPublications: this.#families.publications.labels(label, 'server'),
        publicationFrames: this.#families.frames.labels(label, 'publication'),
        publicationBytes: this.#families.frameBytes.labels(label, 'publication'),
        pushFrames: this.#families.frames.labels(label, 'push'),
        pushBytes: this.#families.frameBytes.labels(label, 'push'),
      };
      this.#byNamespace.set(label, children);
    }
    return children;
  }

  /** `count` connections were each queued one frame of `bytes` about `channel` (one fan-out). */
  fannedOut(channel: string | undefined, kind: 'publication' | 'push', count: number, bytes: number): void {
    if (count === 0) return;
    let children = this.#lastChildren;
    if (channel !== this.#lastChannel || !children) {
      children = this.#namespace(channel);
      this.#lastChannel = channel;
      this.#lastChildren = children;
    }
    if (kind === 'publication') {
      children.publicationFrames.value += count;
      children.publicationBytes.value += bytes;
    } else {
      children.pushFrames.value += count;
      children.pushBytes.value += bytes;
    }
  }

  /** One frame of `bytes` queued to one connection. */
  frameSent(kind: FrameKind, channel: string | undefined, bytes: number): void {
    if (kind === 'reply') {
      this.#reply.frames.value++;
      this.#reply.bytes.value += bytes;
    } else {
      this.fannedOut(channel, kind, 1, bytes);
    }
  }

  /** A publication to `channel` was accepted by the engine. */
  published(channel: string, source: 'client' | 'server'): void {
    const children = this.#namespace(channel);
    (source === 'client' ? children.clientPublications : children.serverPublications).value++;
  }

  subscribed(channel: string): void {
    this.subscriptions++;
    this.#namespace(channel).subscriptions.inc();
  }

  unsubscribed(channel: string): void {
    this.subscriptions--;
    this.#namespace(channel).subscriptions.dec();
  }

  /** A subscription's queue overflowed and it fell behind (slowConsumer 'catch-up'). */
  fellBehind(channel: string): void {
    this.#families.behind.labels(this.namespaces.of(channel)).inc();
  }

  /** A subscribe with `since` answered recovered or not. */
  recovery(channel: string, recovered: boolean): void {
    this.#families.recoveries.labels(this.namespaces.of(channel), recovered ? 'recovered' : 'not_recovered').inc();
  }

  #method(method: string): { count: CounterChild; seconds: HistogramChild } {
    let children = this.#commandChildren.get(method);
    if (!children) {
      children = { count: this.#families.commands.labels(method), seconds: this.#families.commandSeconds.labels(method) };
      this.#commandChildren.set(method, children);
    }
    return children;
  }

  /** A command of `method` was received (parsed). */
  command(method: string): void {
    this.#method(method).count.value++;
  }

  /** A command of `method` was answered `seconds` after its handler started. */
  commandDone(method: string, seconds: number): void {
    this.#method(method).seconds.observe(seconds);
  }

  /** The counters of engine operation `op` (the engine wrappers keep them). */
  engineOp(op: string): EngineOpCounters {
    let children = this.#engineChildren.get(op);
    if (!children) {
      children = {
        requests: this.#families.engineRequests.labels(op),
        errors: this.#families.engineErrors.labels(op),
        seconds: this.#families.engineSeconds.labels(op),
      };
      this.#engineChildren.set(op, children);
    }
    return children;
  }

  /** A backend call of the `proxy` option ended (see proxy/backend-caller); both labels are from fixed sets. */
  proxyCall(hook: string, outcome: string, seconds: number): void {
    this.#families.proxyCalls.labels(hook, outcome).inc();
    this.#families.proxySeconds.labels(hook).observe(seconds);
  }

  limited(limit: string): void {
    this.#families.limited.labels(limit).inc();
  }

  refused(reason: RefusalReason): void {
    this.#families.refusals.labels(reason).inc();
  }

  /** An inbound message broke the protocol. */
  badFrame(): void {
    this.#families.badFrames.inc();
  }

  error(code: number): void {
    this.#families.errors.labels(String(code)).inc();
  }

  /** A connection was established by its connect command. */
  connected(): void {
    this.#families.connects.inc();
  }

  disconnect(code: number): void {
    this.#families.disconnects.labels(codeLabel(code)).inc();
    if (code === 3008) this.#families.slow.inc();
    else if (code === 3013) this.#families.flood.inc();
  }

  /** The counters; `resources` is filled in by the node (the counts live where the resources are). */
  snapshot(resources: Omit<NodeResources, 'tokenTimers'> = { holds: 0, brokerChannels: 0, presenceEntries: 0 }): MetricsSnapshot {
    this.#syncConnections();
    const refused = this.#families.refusals.byFirstLabel();
    return {
      resources: { ...resources, tokenTimers: this.tokenTimers },
      connections: this.#connectionsNow(),
      connectionsTotal: this.#families.opened.total(),
      subscriptions: this.subscriptions,
      commands: this.#families.commands.byFirstLabel(),
      messagesIn: this.#families.received.total(),
      bytesIn: this.#families.receivedBytes.total(),
      messagesOut: this.#families.sent.total(),
      bytesOut: this.#families.sentBytes.total(),
      errors: this.#families.errors.byFirstLabel(),
      disconnects: this.#families.disconnects.byFirstLabel(),
      badFrames: this.#families.badFrames.total(),
      fellBehind: this.#families.behind.total(),
      rateLimited: this.#families.limited.byFirstLabel(),
      refusedUpgrades: Object.fromEntries(Object.entries(refused).filter(([reason]) => UPGRADE_REFUSALS.has(reason))),
      proxyCalls: Object.fromEntries([...this.#families.proxyCalls.children()].map(({ values, child }) => [values.join(':'), child.value])),
      proxySeconds: Object.fromEntries([...this.#families.proxySeconds.children()].map(({ values, child }) => [values[0], child.sum])),
    };
  }

  #connectionsNow(): number {
    let open = 0;
    for (const { child } of this.#families.connections.children()) open += child.value;
    return open;
  }
}

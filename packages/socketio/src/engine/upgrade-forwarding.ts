/**
 * @module engine/upgrade-forwarding
 * No sticky sessions for the polling → WebSocket upgrade: an upgrade that lands on node B for a
 * session held by node A is accepted by B, which forwards the WebSocket's frames to A and A's to
 * the WebSocket, through the engine's cluster messages (in order, one link to one node). On A
 * the session probes and takes a `ForwardedTransport` as it would a WebSocket of its own, so the
 * upgrade completes and the session lives on A, its frames travelling through B.
 */
import type { EngineSocket } from './engine-socket.js';
import type { EngineCluster } from './forwarding.js';
import { decodeFramePacket, encodeFramePacket, EngineProtocolError, type EnginePacket } from './packet.js';
import { NO_EVENTS, type EngineTransport, type TransportEvents } from './transport.js';

/** Longest B waits for A to take the probe, in ms. */
const OPEN_TIMEOUT_MS = 5000;

/** A frame between nodes: text as is, binary as base64. */
type WireFrame = { t: string } | { b: string };

function toWire(packet: EnginePacket): WireFrame {
  const frame = encodeFramePacket(packet);
  return typeof frame === 'string' ? { t: frame } : { b: frame.toString('base64') };
}

function fromWire(frame: WireFrame): EnginePacket {
  return decodeFramePacket('t' in frame ? frame.t : Buffer.from(frame.b, 'base64'));
}

/** On A: the WebSocket held by node `via`, as a transport of A's session. */
class ForwardedTransport implements EngineTransport {
  readonly name = 'websocket';
  readonly bufferedBytes = 0;
  events: TransportEvents = NO_EVENTS;
  readonly #send: (frames: WireFrame[]) => void;
  readonly #close: () => void;
  #open = true;

  constructor(send: (frames: WireFrame[]) => void, close: () => void) {
    this.#send = send;
    this.#close = close;
  }

  get writable(): boolean {
    return this.#open;
  }

  send(packets: EnginePacket[]): void {
    if (this.#open) this.#send(packets.map(toWire));
  }

  close(): void {
    if (this.end()) this.#close();
  }

  /** The bridge ended (either side); returns whether it was open. */
  end(): boolean {
    if (!this.#open) return false;
    this.#open = false;
    return true;
  }
}

export class UpgradeForwarding {
  readonly #cluster: EngineCluster;
  readonly #types: { open: string; in: string; out: string; close: string };
  readonly #disposers: Array<() => void>;
  /** On A: forwarded transports by bridge id (`<node>/<n>`). */
  readonly #forwarded = new Map<string, ForwardedTransport>();
  /** On B: the WebSockets it holds for other nodes' sessions, by bridge id. */
  readonly #bridged = new Map<string, EngineTransport>();
  #nextBridge = 0;

  constructor(cluster: EngineCluster, path: string, find: (sid: string) => EngineSocket | undefined) {
    this.#cluster = cluster;
    this.#types = { open: `eio.ws-open:${path}`, in: `eio.ws-in:${path}`, out: `eio.ws-out:${path}`, close: `eio.ws-close:${path}` };
    this.#disposers = [
      cluster.handle(this.#types.open, (body, from) => {
        const { sid, bridge } = body as { sid: unknown; bridge: unknown };
        const session = typeof sid === 'string' ? find(sid) : undefined;
        if (!session || typeof bridge !== 'string') return false;
        const transport = new ForwardedTransport(
          (frames) =>
            void this.#cluster.send(from, this.#types.out, { bridge, frames }).catch(() => transport.events.onClose('transport close')),
          () => {
            this.#forwarded.delete(bridge);
            void this.#cluster.send(from, this.#types.close, { bridge }).catch(() => {});
          },
        );
        this.#forwarded.set(bridge, transport);
        if (session.probe(transport)) return true;
        this.#forwarded.delete(bridge);
        return false;
      }),
      cluster.handle(this.#types.in, (body) => {
        const { bridge, frames } = body as { bridge: string; frames: WireFrame[] };
        const transport = this.#forwarded.get(bridge);
        if (!transport) return;
        let packets: EnginePacket[];
        try {
          packets = frames.map(fromWire);
        } catch (error) {
          transport.events.onError(error instanceof EngineProtocolError ? error.message : 'bad frame');
          return;
        }
        transport.events.onPackets(packets);
      }),
      cluster.handle(this.#types.out, (body) => {
        const { bridge, frames } = body as { bridge: string; frames: WireFrame[] };
        this.#bridged.get(bridge)?.send(frames.map(fromWire));
      }),
      cluster.handle(this.#types.close, (body) => {
        const { bridge } = body as { bridge: string };
        const forwarded = this.#forwarded.get(bridge);
        this.#forwarded.delete(bridge);
        if (forwarded?.end()) forwarded.events.onClose('transport close');
        const bridged = this.#bridged.get(bridge);
        this.#bridged.delete(bridge);
        bridged?.close();
      }),
    ];
  }

  /**
   * On B: bridges `ws` (a WebSocket accepted for session `sid` of node `owner`) to the session:
   * frames go to `owner`, its frames come back here. Closes `ws` when `owner` does not take it.
   */
  bridge(ws: EngineTransport, owner: string, sid: string): void {
    const bridge = `${this.#cluster.nodeId}/${this.#nextBridge++}`;
    const toOwner = (type: string, body: unknown): void => void this.#cluster.send(owner, type, body).catch(() => ws.close());
    // Frames that come before the owner took the probe wait for it, in order.
    let early: WireFrame[] | undefined = [];
    ws.events = {
      onPackets: (packets) => {
        const frames = packets.map(toWire);
        if (early) early.push(...frames);
        else toOwner(this.#types.in, { bridge, frames });
      },
      onWritable: () => {},
      onError: () => ws.close(),
      onClose: () => {
        if (this.#bridged.delete(bridge)) toOwner(this.#types.close, { bridge });
      },
    };
    this.#bridged.set(bridge, ws);
    this.#cluster.request(owner, this.#types.open, { sid, bridge }, OPEN_TIMEOUT_MS).then(
      (taken) => {
        const waiting = early ?? [];
        early = undefined;
        if (taken !== true) {
          this.#bridged.delete(bridge);
          ws.close();
        } else if (waiting.length > 0) toOwner(this.#types.in, { bridge, frames: waiting });
      },
      () => {
        this.#bridged.delete(bridge);
        ws.close();
      },
    );
  }

  close(): void {
    for (const dispose of this.#disposers) dispose();
    for (const ws of this.#bridged.values()) ws.close();
    this.#bridged.clear();
    for (const transport of this.#forwarded.values()) if (transport.end()) transport.events.onClose('transport close');
    this.#forwarded.clear();
  }
}

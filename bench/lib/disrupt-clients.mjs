/**
 * @module bench/lib/disrupt-clients
 * Subscribers that come back: raw-socket clients (bench/lib/raw-ws.mjs) of the disruption
 * scenarios, each reconnecting the way its client library does.
 * - relais: `connect` + `subscribe` pipelined; from the second time on the subscribe carries
 *   `since` (the last offset and epoch received, docs/protocol.md `subscribe`), and a
 *   publication whose offset is not above that position is dropped as a duplicate (counted in
 *   `droppedByOffset`), as the SDK does. Retries follow the SDK's default backoff.
 * - socketio: Engine.IO v4 / Socket.IO v5 text packets. With `csr` (the server runs
 *   connectionStateRecovery) the CONNECT packet carries the `pid` of the last session and the
 *   offset of the last event received, as socket.io-client does; without it every connection is
 *   a fresh one. Retries follow socket.io-client's default backoff.
 *
 * A client killed on purpose (`kill`) is held offline by its caller, then `open`ed again; any
 * other close (the server went away, a connect failed) is retried with backoff. Every retry asks
 * `pickPort()` where to go: the load generator plays the balancer.
 */
import { BACKOFF, DeliveryLog, forEachPayload, relaisPosition, socketioOffset } from './disrupt.mjs';
import { monoMs } from './histogram.mjs';
import { RawWebSocket } from './raw-ws.mjs';

/** Gives up on a connection attempt that has not become ready in this long. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * `hooks`: `pickPort()` → a live port; `onPayload(client, seq, t, replayFrom)` (replayFrom: for a
 * publication stamped while the client was offline, the later of `t` and its reconnect);
 * `onReady(client, downMs, answerMs)` (downMs: since the connection was lost, undefined the
 * first time; answerMs: since the attempt that succeeded began, TCP connect to subscribed);
 * `onLost(client)` when a ready connection was closed by anyone but `kill`.
 */
export class DisruptedClient {
  /** 'idle' | 'connecting' | 'ready' | 'killed' | 'waiting' | 'stopped' */
  state = 'idle';
  attempt = 0;
  unrecovered = 0;
  recovered = 0;
  connects = 0;
  #ws;
  #timer;
  #lostAt;
  #attemptAt;
  #everReady = false;
  #session = {};

  constructor({ protocol, room, csr = false, capacity, random, hooks }) {
    this.protocol = protocol;
    this.room = room;
    this.csr = csr;
    this.log = new DeliveryLog(capacity);
    this.random = random;
    this.hooks = hooks;
  }

  get ready() {
    return this.state === 'ready';
  }

  /** Opens a connection now; resolves once (first ready, or first failure). */
  open() {
    clearTimeout(this.#timer);
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    this.connects++;
    this.#attemptAt = monoMs();
    this.log.reopening(this.#attemptAt);
    const port = this.hooks.pickPort();
    const speak = this.protocol === 'relais' ? relaisSpeaker(this, this.#session) : socketioSpeaker(this, this.#session);
    const ws = new RawWebSocket(speak.url(port), {
      protocol: speak.subprotocol,
      onOpen: () => speak.open(ws),
      onMessage: (text) => speak.message(ws, text),
      onClose: (code, reason, error) => this.#closed(ws, code, error?.message ?? reason),
    });
    this.#ws = ws;
    this.#timer = setTimeout(() => {
      if (this.#ws === ws && this.state === 'connecting') ws.terminate();
    }, CONNECT_TIMEOUT_MS);
  }

  /** Called by the speakers when the subscription is live. */
  becameReady(now = monoMs()) {
    if (this.state !== 'connecting') return;
    clearTimeout(this.#timer);
    this.state = 'ready';
    this.attempt = 0;
    this.log.cameOnline(now);
    const downMs = this.#lostAt === undefined ? undefined : now - this.#lostAt;
    this.#lostAt = undefined;
    this.#everReady = true;
    this.hooks.onReady?.(this, downMs, now - this.#attemptAt);
  }

  /**
   * A publication the connection's position says was delivered already (offset not above it,
   * same epoch): the relais SDK drops it, and so does this client, counting it.
   */
  droppedByOffset = 0;

  /** Called by the speakers for every frame that may carry payloads. */
  payloads(text) {
    forEachPayload(text, (seq, t) => {
      const replayed = this.log.record(seq, t);
      this.hooks.onPayload?.(this, seq, t, replayed ? this.log.replayFrom(t) : undefined);
    });
  }

  /** Destroys the TCP connection (no close frame) if ready; true when it did. */
  kill() {
    if (this.state !== 'ready') return false;
    this.state = 'killed';
    const now = monoMs();
    this.log.wentOffline(now);
    this.#lostAt = now;
    this.#ws.terminate();
    return true;
  }

  stop() {
    this.state = 'stopped';
    clearTimeout(this.#timer);
    this.#ws?.terminate();
  }

  #closed(ws, code, why) {
    if (ws !== this.#ws) return;
    clearTimeout(this.#timer);
    if (this.state === 'stopped' || this.state === 'killed') return;
    const wasReady = this.state === 'ready';
    if (!wasReady) this.hooks.onAttemptFailed?.(this, code, why);
    if (wasReady) {
      const now = monoMs();
      this.log.wentOffline(now);
      this.#lostAt = now;
      this.hooks.onLost?.(this);
    }
    // A connection that never became ready the first time is a failed client, not retried.
    if (!this.#everReady && !wasReady) {
      this.state = 'idle';
      this.hooks.onFailed?.(this);
      return;
    }
    this.state = 'waiting';
    const delay = BACKOFF[this.protocol](this.attempt++, this.random);
    this.#timer = setTimeout(() => this.open(), delay);
  }
}

/** relais over `relais.v2.json`: the position is kept across connections in `session`. */
function relaisSpeaker(client, session) {
  return {
    url: (port) => `ws://127.0.0.1:${port}/connection/websocket`,
    subprotocol: 'relais.v2.json',
    open(ws) {
      const params = { channel: client.room, ...(session.position ? { since: session.position } : {}) };
      ws.send(`{"id":1,"method":"connect","params":{"name":"bench"}}\n${JSON.stringify({ id: 2, method: 'subscribe', params })}`);
    },
    message(ws, text) {
      for (const line of text.split('\n')) {
        if (line.startsWith('{"id":2,')) {
          if (line.startsWith('{"id":2,"error"')) {
            ws.terminate();
            continue;
          }
          const reply = JSON.parse(line).result;
          if (session.position) {
            if (reply.recovered === true) client.recovered++;
            else client.unrecovered++;
          }
          for (const publication of reply.publications ?? []) {
            if (stale(session, publication.offset, reply.epoch)) client.droppedByOffset++;
            else client.payloads(JSON.stringify(publication.data));
          }
          keep(session, relaisPosition(line));
          client.becameReady();
          continue;
        }
        if (line === '{"type":"ping"}') {
          ws.send('{"id":3,"method":"ping"}');
          continue;
        }
        if (line.startsWith('{"c":') || line.includes('"type":"publication"')) {
          const position = relaisPosition(line);
          if (position && stale(session, position.offset, position.epoch)) {
            client.droppedByOffset++;
            continue;
          }
          client.payloads(line);
          keep(session, position);
        }
      }
    },
  };
}

/** Whether `offset` (of `epoch`, undefined: the position's) is not above the kept position. */
function stale(session, offset, epoch) {
  const kept = session.position;
  return kept !== undefined && typeof offset === 'number' && (epoch === undefined || epoch === kept.epoch) && offset <= kept.offset;
}

function keep(session, position) {
  if (!position) return;
  session.position = { offset: position.offset, epoch: position.epoch ?? session.position?.epoch };
  if (session.position.epoch === undefined) session.position = undefined;
}

/** Socket.IO v5 over Engine.IO v4 (WebSocket only); with `csr`, pid and offset are kept in `session`. */
function socketioSpeaker(client, session) {
  return {
    url: (port) => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket&room=${encodeURIComponent(client.room)}`,
    subprotocol: undefined,
    open() {},
    message(ws, text) {
      if (text === '2') ws.send('3');
      else if (text.startsWith('0{')) {
        const resume = client.csr && session.pid && session.offset ? { pid: session.pid, offset: session.offset } : undefined;
        ws.send(resume ? `40${JSON.stringify(resume)}` : '40');
      } else if (text.startsWith('40')) {
        const data = text.length > 2 ? JSON.parse(text.slice(2)) : {};
        if (session.pid !== undefined && client.csr) {
          if (data.pid === session.pid) client.recovered++;
          else client.unrecovered++;
        }
        if (data.pid !== session.pid) session.offset = undefined;
        session.pid = data.pid;
        client.becameReady();
      } else if (text.startsWith('42')) {
        client.payloads(text);
        const offset = socketioOffset(text);
        if (offset !== undefined) session.offset = offset;
      } else if (text.startsWith('44')) ws.terminate();
    },
  };
}

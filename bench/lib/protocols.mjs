/**
 * @module bench/lib/protocols
 * The load generator's side of each variant, spoken over bench/lib/raw-ws.mjs (a minimal
 * WebSocket client on `node:net`, `ws` being its `send`/`terminate`): all three are written the
 * same way so the load generator costs the same per delivery whatever the server. Socket.IO is spoken as raw Engine.IO v4 / Socket.IO v5 text packets (`0` open,
 * `40` connect, `2`/`3` ping/pong, `42[...]` event) rather than through socket.io-client, whose
 * per-message cost would land on the load generator's core and skew the comparison.
 *
 * A subscriber counts one delivery per `"t":` in what it receives: every payload carries the
 * publisher's send time in `t` (CLOCK_MONOTONIC ms, comparable across processes).
 */

/** Calls `fn(t)` for every `"t":<number>` in `text`. */
export function forEachStamp(text, fn) {
  let index = text.indexOf('"t":');
  while (index !== -1) {
    fn(parseFloat(text.slice(index + 4, index + 24)));
    index = text.indexOf('"t":', index + 4);
  }
}

export const channelName = (index) => `room:${index}`;

const relais = {
  url: (port) => `ws://127.0.0.1:${port}/connection/websocket`,
  // What the SDK negotiates by default: protocol v2, compact publication pushes.
  subprotocol: 'relais.v2.json',
  /** Connect and subscribe in one pipelined message; ready on the subscribe reply. */
  open(ws, room) {
    const connect = '{"id":1,"method":"connect","params":{"name":"bench"}}';
    ws.send(room === undefined ? connect : `${connect}\n{"id":2,"method":"subscribe","params":{"channel":${JSON.stringify(room)}}}`);
  },
  onMessage(ws, text, client) {
    if (!client.isReady) {
      const readyId = client.room === undefined ? 1 : 2;
      if (text.includes(`"id":${readyId},"result"`)) client.ready();
      else if (text.includes('"error"')) client.fail(text);
    }
    if (text.includes('{"type":"ping"}')) ws.send(`{"id":${client.nextId++},"method":"ping"}`);
    // Only on servers with slowConsumer 'catch-up': parsed only when it is there.
    if (client.resumeId !== undefined || text.includes('"type":"behind"')) catchUp(ws, text, client);
  },
  publishFrame: (room, data, seq) => `{"id":${seq + 10},"method":"publish","params":{"channel":${JSON.stringify(room)},"data":${data}}}`,
};

const socketio = {
  url: (port, room) =>
    `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket${room === undefined ? '' : `&room=${encodeURIComponent(room)}`}`,
  subprotocol: undefined,
  open() {},
  onMessage(ws, text, client) {
    if (text === '2') ws.send('3');
    else if (text.startsWith('0{')) ws.send('40');
    else if (!client.isReady && text.startsWith('40')) client.ready();
    else if (!client.isReady && text.startsWith('44')) client.fail(text);
  },
  publishFrame: (room, data) => `42["pub",${JSON.stringify(room)},${data}]`,
};

const ws = {
  url: (port, room) => `ws://127.0.0.1:${port}/${room === undefined ? '' : `?room=${encodeURIComponent(room)}`}`,
  subprotocol: undefined,
  open(_socket, _room, client) {
    client.ready();
  },
  onMessage() {},
  publishFrame: (room, data) => `{"r":${JSON.stringify(room)},"d":${data}}`,
};

/**
 * A relais subscriber that fell behind (`behind` push) asks for what it missed with `resume`
 * from the last offset it has, page after page, until the reply has no `more` (live again). The
 * publications of each page carry their stamps, so the caller counts them as received.
 */
function catchUp(ws, text, client) {
  for (const line of text.split('\n')) {
    if (!line.includes('"type":"behind"') && !line.startsWith(`{"id":${client.resumeId},`)) continue;
    const frame = JSON.parse(line);
    let since;
    if (frame.type === 'behind') since = { offset: frame.offset, epoch: frame.epoch };
    else if (frame.error || frame.result.more !== true) {
      client.resumeId = undefined;
      continue;
    } else {
      const last = frame.result.publications.at(-1);
      since = last ? { offset: last.offset, epoch: frame.result.epoch } : client.since;
    }
    client.since = since;
    client.resumeId = client.nextId++;
    const command = JSON.stringify({ id: client.resumeId, method: 'resume', params: { channel: client.room, since } });
    // An empty page with `more`: the queue is still full, ask again a little later.
    if (frame.type !== 'behind' && frame.result.publications.length === 0) setTimeout(() => ws.send(command), 20);
    else ws.send(command);
  }
}

export const PROTOCOLS = { relais, socketio, ws };

/**
 * @module bench/servers/ws
 * The raw `ws` variants: the smallest server that does the same job. A client joins the room
 * named in its URL (`?room=`); a publisher sends `{"r": room, "d": data}` and the server sends
 * `d` to every member.
 * - `naive`: `ws.send(string)` per subscriber (ws frames and encodes each time);
 * - `frame`: the message is encoded and framed once (`Sender.frame`) and the same buffer is
 *   written to every subscriber's socket.
 * An `{"id": n, "rpc": data}` message is answered with `{"id": n, "result": data}`.
 */
import { createServer } from 'node:http';
import { Sender, WebSocket, WebSocketServer } from 'ws';

const FRAME_OPTIONS = { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false };

/** @param {{port?: number, mode: 'naive' | 'frame'}} options */
export async function start({ port = 0, mode }) {
  const rooms = new Map();
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const broadcast = mode === 'frame' ? broadcastFramed : broadcastNaive;
  wss.on('connection', (ws, req) => {
    const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room');
    if (room) {
      let members = rooms.get(room);
      if (!members) rooms.set(room, (members = new Set()));
      members.add(ws);
      ws.on('close', () => {
        members.delete(ws);
        if (members.size === 0 && rooms.get(room) === members) rooms.delete(room);
      });
    }
    ws.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.rpc !== undefined) {
        ws.send(JSON.stringify({ id: message.id, result: message.rpc }));
        return;
      }
      const members = rooms.get(message.r);
      if (members) broadcast(members, JSON.stringify(message.d));
    });
  });
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve));
  return {
    port: http.address().port,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => http.close(() => resolve()));
      }),
  };
}

function broadcastNaive(members, text) {
  for (const ws of members) ws.send(text);
}

function broadcastFramed(members, text) {
  const [header, payload] = Sender.frame(Buffer.from(text), FRAME_OPTIONS);
  const frame = Buffer.concat([header, payload]);
  // `_socket` is ws's net.Socket. With perMessageDeflate off ws's own sender never queues, so
  // writing the framed bytes straight to the socket keeps the frame order.
  for (const ws of members) if (ws.readyState === WebSocket.OPEN) ws._socket.write(frame);
}

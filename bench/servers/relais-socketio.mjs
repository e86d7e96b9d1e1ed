/**
 * @module bench/servers/relais-socketio
 * relais's Socket.IO front-end running the app code of the Socket.IO 4 variant
 * (servers/socketio.mjs) unchanged but for its `new Server(...)`: a client joins the room named
 * in its handshake query, a publisher emits `pub` (room, data), the server fans out with
 * `io.to(room).emit` (a publication on the room's channel), `rpc` answers through the ack.
 */
import { createServer } from 'node:http';
import { createRelais } from '@relais/server';
import { Server } from '@relais/socketio';

export async function start({ port = 0 } = {}) {
  const http = createServer();
  const relais = createRelais({
    maxConnections: 100_000,
    // As in servers/relais.mjs: the per-connection command limit is raised, not removed.
    limits: { perConnection: { commands: { perSecond: 1_000_000, burst: 1_000_000 } } },
  });
  const io = new Server(http, { relais });
  io.on('connection', (socket) => {
    const room = socket.handshake.query.room;
    if (typeof room === 'string' && room !== '') socket.join(room);
    socket.on('pub', (target, data) => io.to(target).emit('m', data));
    socket.on('rpc', (data, ack) => {
      if (typeof ack === 'function') ack(data);
    });
  });
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve));
  return {
    port: http.address().port,
    close: async () => {
      await io.close();
      await relais.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(() => resolve()));
    },
  };
}

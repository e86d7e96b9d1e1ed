/**
 * @module bench/servers/socketio
 * The Socket.IO 4 variant with its defaults (or, with `recovery`, connectionStateRecovery on):
 * a client joins the room named in its handshake query, a publisher emits `pub` (room, data) and the server fans out with `io.to(room).emit`.
 * `rpc` answers through the acknowledgement callback.
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

/**
 * `recovery`: connectionStateRecovery with its defaults (sessions and packets kept 2 minutes).
 * `pingIntervalMs`: Engine.IO's heartbeat (bench/connect-instructions.mjs sets it past its run).
 */
export async function start({ port = 0, recovery = false, pingIntervalMs } = {}) {
  const http = createServer();
  const io = new Server(http, {
    ...(recovery ? { connectionStateRecovery: {} } : {}),
    ...(pingIntervalMs ? { pingInterval: pingIntervalMs } : {}),
  });
  io.on('connection', (socket) => {
    const room = socket.handshake.query.room;
    if (typeof room === 'string' && room !== '') socket.join(room);
    // A `pub` sent with an ack id is acknowledged once fanned out (the disruption scenarios count accepted publications).
    socket.on('pub', (target, data, ack) => {
      io.to(target).emit('m', data);
      if (typeof ack === 'function') ack();
    });
    socket.on('rpc', (data, ack) => {
      if (typeof ack === 'function') ack(data);
    });
  });
  await new Promise((resolve) => http.listen(port, '127.0.0.1', resolve));
  return {
    port: http.address().port,
    close: () =>
      new Promise((resolve) => {
        io.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

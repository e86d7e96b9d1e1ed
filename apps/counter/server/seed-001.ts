// The click counter server of seed 001 ("Les WebSockets", "Evénements Socket.IO"), as written
// there, but for: the import of Server (`from 'socket.io'` there) and `new Server(server)`, which
// is `new Server(relais)` here: Socket.IO served on the node's own HTTP server (docs/socketio.md).
// So the seed's `createServer()` and `server.listen(3000, …)` are gone (`relais serve` listens),
// and the code is wrapped in a function that receives the node and returns `io`.
import type { Relais } from '@relais/server';
import { Server } from '@relais/socketio';

export function seedCounterServer(relais: Relais) {
  const io = new Server(relais);

  let count = 0;

  io.on('connection', (socket) => {
    console.log('Client connected');

    // On écoute l'événement 'click' envoyé par le client
    socket.on('click', () => {
      count++;
      // On envoie l'événement 'click' avec le compteur de clics à tous les clients connectés
      io.emit('click', count);
    });
  });

  return io;
}

// The two servers of seed 001 ("Les WebSockets"), as written there, but for two lines each: the
// import of Server (`from 'socket.io'` there) and the port (3000 there; a parameter here, so that
// tests listen on port 0). `new Server(server)` is unchanged: it serves Socket.IO on the app's
// http.Server with a relais node of its own.
import { createServer } from 'http';
import { Server } from '@relais/socketio';

export function helloServer(port: number) {
  const server = createServer();
  const io = new Server(server);

  io.on('connection', (socket) => {
    console.log('Client connected');

    socket.on('message', (data) => {
      console.log('Message from client:', data);
      socket.emit('message', 'Hello from server');
    });
  });
  server.listen(port);
  return { server, io };
}

export function counterServer(port: number) {
  const server = createServer();

  const io = new Server(server);

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

  server.listen(port, () => {
    console.log('Server running on port 3000');
  });
  return { server, io };
}

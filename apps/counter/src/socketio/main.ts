/**
 * @module counter/src/socketio/main
 * The Socket.IO counter page: runs seed 001's client code (seed-001-client.js, unchanged) with the
 * real socket.io-client, bundled from node_modules. The seed calls a global `io(url)`, as the
 * `<script src="/socket.io/socket.io.js">` of a Socket.IO app provides; here `io` is
 * socket.io-client's, pointed at this page's own origin instead of the seed's
 * `http://localhost:3000` (the page's Content-Security-Policy allows only its own origin), and it
 * also shows the seed's `click` counts and the connection state on the page (the seed only logs them).
 */
import '../counter.css';
import { io as connect, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

declare global {
  // The seed's global, as the Socket.IO client script defines it.
  var io: (url?: string, options?: Partial<ManagerOptions & SocketOptions>) => Socket;
}

function show(socket: Socket): void {
  const count = document.getElementById('count');
  const status = document.getElementById('status');
  const state = (name: string) => {
    if (!status) return;
    status.dataset.state = name;
    status.textContent = `connection: ${name}`;
  };
  socket.on('click', (n: unknown) => {
    if (count && typeof n === 'number') count.textContent = String(n);
  });
  socket.on('connect', () => state('connected'));
  socket.on('disconnect', () => state('disconnected'));
}

globalThis.io = (_url, options) => {
  const socket = connect(location.origin, options);
  show(socket);
  return socket;
};

// After the global is set: module imports run in order, and the seed calls `io` at once.
await import('./seed-001-client.js');

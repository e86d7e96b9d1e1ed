/* global process, console */
/* eslint-disable no-console -- a command-line script */
// Starts a relais node with the server each upstream conformance suite expects, on port 3000
// (PORT overrides), until killed:
//   node packages/socketio/scripts/conformance-server.mjs engine    # engine.io-protocol v4-test-suite
//   node packages/socketio/scripts/conformance-server.mjs socketio  # socket.io-protocol v5-test-suite
// Run `npm run build` first: the script uses the built packages. See docs/socketio.md.
import { createRelais } from '@relais/server';
import { Server, attachEngine } from '@relais/socketio';

const mode = process.argv[2];
const port = Number(process.env.PORT ?? 3000);
// The suites' settings (their READMEs give the reference server's options).
const timings = { pingInterval: 300, pingTimeout: 200, maxHttpBufferSize: 1e6 };

const relais = createRelais();
if (mode === 'engine') {
  const { engine } = attachEngine(relais, timings);
  engine.on('connection', (socket) => socket.on('message', (data) => socket.send([data])));
} else if (mode === 'socketio') {
  const io = new Server(relais, { ...timings, connectTimeout: 1000 });
  io.on('connection', (socket) => {
    socket.emit('auth', socket.handshake.auth);
    socket.on('message', (...args) => socket.emit('message-back', ...args));
    socket.on('message-with-ack', (...args) => {
      const ack = args.pop();
      ack(...args);
    });
  });
  io.of('/custom').on('connection', (socket) => socket.emit('auth', socket.handshake.auth));
} else {
  console.error('usage: conformance-server.mjs engine|socketio');
  process.exit(2);
}
// The suites connect to localhost, which may resolve to ::1 or 127.0.0.1.
await relais.listen({ port, host: '::' });
console.log(`relais ${mode} conformance server on port ${port}`);
const stop = () => relais.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

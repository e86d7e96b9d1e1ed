/* global process, console, Buffer */
/* eslint-disable no-console -- a command-line script */
// Starts a relais node with the server each upstream conformance suite expects, on port 3000
// (PORT overrides), until killed:
//   node packages/socketio/scripts/conformance-server.mjs engine    # engine.io-protocol v4-test-suite
//   node packages/socketio/scripts/conformance-server.mjs socketio  # socket.io-protocol v5-test-suite
//   node packages/socketio/scripts/conformance-server.mjs client    # socket.io-client's test suite (port 3210)
//   node packages/socketio/scripts/conformance-server.mjs client-recovery  # its connection-state-recovery tests
// Run `npm run build` first: the script uses the built packages. See docs/socketio.md.
import { createRelais } from '@relais/server';
import { Server, attachEngine } from '@relais/socketio';

const mode = process.argv[2];
const port = Number(process.env.PORT ?? ((mode ?? '').startsWith('client') ? 3210 : 3000));
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
} else if (mode === 'client' || mode === 'client-recovery') {
  // Their server enables connection state recovery; `client-recovery` does too, for their
  // connection-state-recovery tests (see docs/socketio.md for why the rest run without it).
  const recovery = mode === 'client-recovery' ? { connectionStateRecovery: {} } : {};
  clientSuiteServer(new Server(relais, { pingInterval: 2000, ...recovery }));
} else {
  console.error('usage: conformance-server.mjs engine|socketio|client|client-recovery');
  process.exit(2);
}
// The suites connect to localhost, which may resolve to ::1 or 127.0.0.1.
await relais.listen({ port, host: '::' });
console.log(`relais ${mode} conformance server on port ${port}`);
const stop = () => relais.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

/** The namespaces and events socket.io-client's tests use (their test/support/server.ts). */
function clientSuiteServer(io) {
  io.of('/foo').on('connection', (socket) => socket.on('getId', (cb) => cb(socket.id)));
  for (const name of ['/timeout_socket', '/valid', '/asd']) io.of(name);
  io.of('/abc').on('connection', (socket) => socket.emit('handshake', socket.handshake));
  io.use((socket, next) => next(socket.handshake.query.fail ? new Error('Auth failed (main namespace)') : undefined));
  io.of('/no').use((_socket, next) => next(new Error('Auth failed (custom namespace)')));
  io.on('connection', (socket) => {
    const reply =
      (event, ...args) =>
      () =>
        socket.emit(event, ...args);
    socket.on('hi', reply('hi'));
    socket.on('echo', (arg, cb) => cb(arg));
    socket.on('ack', () => socket.emit('ack', (a, b) => a === 5 && b.test && socket.emit('got it')));
    socket.on('getAckDate', (_data, cb) => cb(new Date()));
    socket.on('getDate', () => socket.emit('takeDate', new Date()));
    socket.on('getDateObj', () => socket.emit('takeDateObj', { date: new Date() }));
    socket.on('getUtf8', () => {
      for (const text of ['てすと', 'Я Б Г Д Ж Й', 'Ä ä Ü ü ß', 'utf8 — string', 'utf8 — string']) socket.emit('takeUtf8', text);
    });
    socket.on('false', reply('false', false));
    socket.on('doge', () => socket.emit('doge', Buffer.from('asdfasdf')));
    socket.on('buffa', (a) => Buffer.isBuffer(a) && socket.emit('buffack'));
    const mixed = (a) => a && a.hello === 'lol' && Buffer.isBuffer(a.message) && a.goodbye === 'gotcha';
    socket.on('jsonbuff', (a) => mixed(a) && socket.emit('jsonbuff-ack'));
    socket.on('jsonblob', (a) => mixed(a) && socket.emit('jsonblob-ack'));
    let got1 = false;
    socket.on('abuff1', (a) => (got1 = Buffer.isBuffer(a)));
    socket.on('abuff2', () => got1 && socket.emit('abuff2-ack'));
    socket.on('blob', (a) => Buffer.isBuffer(a) && socket.emit('back'));
    let blob1 = false;
    let blob2 = false;
    socket.on('blob1', (a) => (blob1 = Buffer.isBuffer(a)));
    socket.on('blob2', (a) => (blob2 = blob1 && a === 'second'));
    socket.on('blob3', (a) => Buffer.isBuffer(a) && blob1 && blob2 && socket.emit('blob3-ack'));
    socket.on('getbin', () => socket.emit('takebin', Buffer.from('asdfasdf')));
    socket.on('getHandshake', (cb) => cb(socket.handshake));
    socket.on('getId', (cb) => cb(socket.id));
  });
}

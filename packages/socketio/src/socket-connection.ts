/**
 * @module socket-connection
 * A socket's relais connection: opened in process (`relais.connectInProcess`) with the
 * handshake's token (`auth.token`, else the `token` query parameter), so that the node's
 * verifier, connect hooks and limits decide, and its pushes reach the socket (InProcessPeer).
 */
import type { Relais } from '@relais/server';
import type { ConnectionLink } from './roles.js';
import type { Socket } from './socket.js';

/** Opens `socket`'s relais connection; rejects with the node's ConnectRefusedError. */
export async function openRelaisConnection(relais: Relais, socket: Socket, connection: ConnectionLink, nsp: string): Promise<void> {
  const { auth, query, headers, address, url } = socket.handshake;
  const token = typeof auth.token === 'string' ? auth.token : query.token;
  const transport = { name: `socket.io-${connection.engine.transport.name}`, remoteAddress: address, headers, url };
  socket.link = await relais.connectInProcess(socket, { transport, token, data: { socketio: { id: socket.id, nsp } }, name: 'socket.io' });
}

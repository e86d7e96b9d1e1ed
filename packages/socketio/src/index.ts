/**
 * @module @relais/socketio
 * Socket.IO v4 clients (Engine.IO v4 + Socket.IO v5) on a relais node, with socket.io's server
 * API. Public exports only.
 */
export { Server, type NamespaceMatcher } from './server.js';
export type { MiddlewareError, RemoteSocket, SocketIoMetrics } from './roles.js';
export { Namespace, type Middleware, type NamespaceAdapter } from './namespace.js';
export { Socket, type DisconnectReason } from './socket.js';
export type { EventMiddleware } from './socket-events.js';
export { BroadcastOperator } from './broadcast.js';
export type { Handshake } from './handshake.js';
export * from './options.js';
export { ARGS_KEY, argsToData, dataToArgs, defaultRoomChannel, type RoomChannel } from './room-channels.js';
export { Decoder, encodePacket, SocketIoProtocolError, type Packet, type PacketType } from './parser.js';
export { attachEngine, type EngineEndpointOptions } from './engine-endpoint.js';
export { EngineServer, ENGINE_ERRORS, type EngineServerOptions } from './engine/engine-server.js';
export { EngineSocket, type EngineCloseReason, type EngineSocketState } from './engine/engine-socket.js';
export { EngineProtocolError } from './engine/packet.js';

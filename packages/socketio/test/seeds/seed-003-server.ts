// The server of seed 003 ("Serveur Socket.IO avancé"), as written there, but for its imports
// (Server from @relais/socketio, and a stand-in for jsonwebtoken), its helper stubs filled in for
// the test (getUserById reads `users`), and its listen wrapped in start(port) for port 0.
// Its `new Server<...>(httpServer, {...})` line is unchanged.
/* eslint-disable */
// @ts-nocheck -- the seed's own code, kept as written (implicit any, unused parameters)
import { Server } from '@relais/socketio'; // was: import { Server } from 'socket.io';
import { createServer } from 'http';
import jwt from './jwt-shim.js'; // was: import jwt from 'jsonwebtoken' (not a dependency here)

interface SocketData {
  userId: string;
  userName: string;
}

const httpServer = createServer();
const io = new Server<ClientToServerEvents, ServerToClientEvents, {}, SocketData>(httpServer, {
  cors: {
    origin: process.env.CLIENT_URL,
    credentials: true,
  },

  // Configuration des transports
  transports: ['websocket', 'polling'],

  // Configuration avancée
  pingTimeout: 60000,
  pingInterval: 25000,

  // Gestion des connexions
  maxHttpBufferSize: 1e6, // 1MB
  allowEIO3: true,
});

// Middleware d'authentification
io.use(async (socket, next) => {
  try {
    const token = socket.handshake.auth.token;
    const decoded = jwt.verify(token, process.env.JWT_SECRET!) as any;

    // Récupérer les infos utilisateur
    const user = await getUserById(decoded.userId);
    if (!user) {
      return next(new Error('User not found'));
    }

    // Stocker dans socket.data
    socket.data.userId = user.id;
    socket.data.userName = user.name;

    next();
  } catch (error) {
    next(new Error('Authentication failed'));
  }
});

// Gestion des connexions
io.on('connection', (socket) => {
  console.log(`User ${socket.data.userName} connected`);

  // Rejoindre une room
  socket.on('joinRoom', async (roomId) => {
    try {
      // Vérifier les permissions
      const canJoin = await checkRoomPermissions(socket.data.userId, roomId);
      if (!canJoin) {
        socket.emit('error', { code: 'PERMISSION_DENIED', message: 'Cannot join room' });
        return;
      }

      // Quitter les anciennes rooms
      socket.rooms.forEach((room) => {
        if (room !== socket.id) {
          socket.leave(room);
        }
      });

      // Rejoindre la nouvelle room
      socket.join(roomId);

      // Notifier les autres
      socket.to(roomId).emit('userJoined', {
        id: socket.data.userId,
        name: socket.data.userName,
      });
    } catch (error) {
      socket.emit('error', { code: 'JOIN_ERROR', message: error.message });
    }
  });

  // Envoyer un message
  socket.on('sendMessage', async (message, callback) => {
    try {
      // Validation et nettoyage
      const cleanMessage = sanitizeMessage(message);
      if (!cleanMessage.trim()) {
        callback(''); // Message vide
        return;
      }

      // Récupérer la room actuelle
      const currentRoom = getCurrentRoom(socket);
      if (!currentRoom) {
        socket.emit('error', { code: 'NO_ROOM', message: 'Not in a room' });
        return;
      }

      // Sauvegarder en base
      const messageData: ChatMessage = {
        id: generateId(),
        userId: socket.data.userId,
        userName: socket.data.userName,
        content: cleanMessage,
        timestamp: Date.now(),
        roomId: currentRoom,
      };

      await saveMessage(messageData);

      // Diffuser à tous dans la room
      io.to(currentRoom).emit('message', messageData);

      // Confirmation au sender
      callback(messageData.id);
    } catch (error) {
      socket.emit('error', { code: 'SEND_ERROR', message: error.message });
      callback('');
    }
  });

  // Indicateurs de frappe
  socket.on('startTyping', () => {
    const currentRoom = getCurrentRoom(socket);
    if (currentRoom) {
      socket.to(currentRoom).emit('typing', {
        userId: socket.data.userId,
        userName: socket.data.userName,
        roomId: currentRoom,
      });
    }
  });

  socket.on('stopTyping', () => {
    const currentRoom = getCurrentRoom(socket);
    if (currentRoom) {
      socket.to(currentRoom).emit('typing', {
        userId: socket.data.userId,
        userName: socket.data.userName,
        roomId: currentRoom,
      });
    }
  });

  // Déconnexion
  socket.on('disconnect', (reason) => {
    console.log(`User ${socket.data.userName} disconnected: ${reason}`);

    // Notifier les rooms
    socket.rooms.forEach((room) => {
      if (room !== socket.id) {
        socket.to(room).emit('userLeft', socket.data.userId);
      }
    });
  });
});

// Fonctions utilitaires
function getCurrentRoom(socket: Socket): string | null {
  const rooms = Array.from(socket.rooms);
  return rooms.find((room) => room !== socket.id) || null;
}

function sanitizeMessage(message: string): string {
  return message.replace(/<script\b[^<]*(?:(?!<\/script>)<[^<]*)*<\/script>/gi, '');
}

async function getUserById(userId: string): Promise<User | null> {
  // Implémentation base de données (here: the users the test registers)
  return users.get(userId) ?? null;
}

async function checkRoomPermissions(userId: string, roomId: string): Promise<boolean> {
  // Vérification des permissions
  return true;
}

async function saveMessage(message: ChatMessage): Promise<void> {
  // Sauvegarde en base
}

function generateId(): string {
  return Math.random().toString(36).substr(2, 9);
}

/** Users the test registers for getUserById. */
export const users = new Map<string, User>();

export function start(port: number) {
  httpServer.listen(port);
  return { httpServer, io };
}

// Types
interface ChatMessage {
  id: string;
  userId: string;
  userName: string;
  content: string;
  timestamp: number;
  roomId: string;
}

interface User {
  id: string;
  name: string;
  avatar?: string;
}

interface TypingData {
  userId: string;
  userName: string;
  roomId: string;
}

interface ErrorData {
  code: string;
  message: string;
}

// The ChatClient class of seed 003 ("Client Socket.IO sophistiqué"), as written there (it runs
// unchanged against relais; its startTyping uses window.setTimeout: tests give Node a window).
/* eslint-disable */
// @ts-nocheck -- the seed's own code, kept as written
import { io, Socket } from 'socket.io-client';

interface ServerToClientEvents {
  message: (data: ChatMessage) => void;
  userJoined: (user: User) => void;
  userLeft: (userId: string) => void;
  typing: (data: TypingData) => void;
  error: (error: ErrorData) => void;
}

interface ClientToServerEvents {
  sendMessage: (message: string, callback: (id: string) => void) => void;
  joinRoom: (roomId: string) => void;
  startTyping: () => void;
  stopTyping: () => void;
}

export class ChatClient {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private currentRoom: string | null = null;
  private typingTimeout: number | null = null;

  constructor(
    private serverUrl: string,
    private authToken: string,
  ) {
    this.socket = io(serverUrl, {
      auth: { token: authToken },
      transports: ['websocket', 'polling'],
      timeout: 5000,
      retries: 3,

      // Configuration de reconnexion
      reconnection: true,
      reconnectionAttempts: 5,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 5000,

      // Configuration avancée
      forceNew: false,
      multiplex: true,
    });

    this.setupEventListeners();
  }

  private setupEventListeners() {
    // Événements de connexion
    this.socket.on('connect', () => {
      console.log('Connected to server:', this.socket.id);
    });

    this.socket.on('disconnect', (reason) => {
      console.log('Disconnected:', reason);

      if (reason === 'io server disconnect') {
        // Déconnexion serveur, reconnexion manuelle nécessaire
        this.socket.connect();
      }
    });

    this.socket.on('connect_error', (error) => {
      console.error('Connection error:', error);
    });

    // Événements métier
    this.socket.on('message', (data) => {
      this.handleNewMessage(data);
    });

    this.socket.on('userJoined', (user) => {
      this.handleUserJoined(user);
    });

    this.socket.on('userLeft', (userId) => {
      this.handleUserLeft(userId);
    });

    this.socket.on('typing', (data) => {
      this.handleTyping(data);
    });

    this.socket.on('error', (error) => {
      this.handleError(error);
    });
  }

  // Actions client
  joinRoom(roomId: string) {
    this.currentRoom = roomId;
    this.socket.emit('joinRoom', roomId);
  }

  sendMessage(message: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new Error('Not connected'));
        return;
      }

      this.socket.emit('sendMessage', message, (messageId) => {
        resolve(messageId);
      });

      // Timeout si pas de réponse
      setTimeout(() => {
        reject(new Error('Message timeout'));
      }, 5000);
    });
  }

  startTyping() {
    this.socket.emit('startTyping');

    // Auto-stop après inactivité
    if (this.typingTimeout) {
      clearTimeout(this.typingTimeout);
    }

    this.typingTimeout = window.setTimeout(() => {
      this.stopTyping();
    }, 3000);
  }

  stopTyping() {
    if (this.typingTimeout) {
      clearTimeout(this.typingTimeout);
      this.typingTimeout = null;
    }
    this.socket.emit('stopTyping');
  }

  // Gestionnaires d'événements
  private handleNewMessage(data: ChatMessage) {
    console.log('New message:', data);
    // Mettre à jour l'UI
  }

  private handleUserJoined(user: User) {
    console.log('User joined:', user.name);
    // Notification d'arrivée
  }

  private handleUserLeft(userId: string) {
    console.log('User left:', userId);
    // Notification de départ
  }

  private handleTyping(data: TypingData) {
    console.log(`${data.userName} is typing...`);
    // Indicateur de frappe
  }

  private handleError(error: ErrorData) {
    console.error('Server error:', error);
    // Gestion d'erreur
  }

  disconnect() {
    this.socket.disconnect();
  }
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

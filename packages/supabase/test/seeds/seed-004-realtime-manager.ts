/* eslint-disable */
// @ts-nocheck -- seed 004's code as the chapter gives it (plain browser JavaScript), unchanged.
/**
 * @module seeds/seed-004-realtime-manager
 * The `RealtimeManager` class of seed 004 (04-websockets-temps-reel), copied unchanged: it runs
 * against relais with only the URL and key of its supabase client changed.
 */
class RealtimeManager {
  constructor(supabase) {
    this.supabase = supabase;
    this.channel = null;
    this.isConnected = false;
    this.reconnectAttempts = 0;
    this.maxReconnectAttempts = 5;
    this.baseReconnectDelay = 1000; // 1 seconde
    this.heartbeatInterval = null;
  }

  connect() {
    if (this.channel) {
      this.disconnect();
    }

    this.channel = this.supabase
      .channel('humeur_realtime')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'humeur' }, (payload) => this.handleMessage(payload))
      .subscribe((status) => this.handleStatusChange(status));
  }

  handleStatusChange(status) {
    console.log('📡 Status change:', status);

    switch (status) {
      case 'SUBSCRIBED':
        this.isConnected = true;
        this.reconnectAttempts = 0;
        this.updateUI('connected');
        this.startHeartbeat();
        break;

      case 'CHANNEL_ERROR':
      case 'TIMED_OUT':
        this.isConnected = false;
        this.updateUI('error');
        this.scheduleReconnect();
        break;

      case 'CLOSED':
        this.isConnected = false;
        this.updateUI('disconnected');
        this.stopHeartbeat();
        break;
    }
  }

  scheduleReconnect() {
    if (this.reconnectAttempts >= this.maxReconnectAttempts) {
      console.error('🚫 Nombre maximum de tentatives de reconnexion atteint');
      this.updateUI('failed');
      return;
    }

    // Backoff exponentiel avec jitter
    const delay = Math.min(
      this.baseReconnectDelay * Math.pow(2, this.reconnectAttempts) + Math.random() * 1000, // Jitter pour éviter thundering herd
      30000, // Maximum 30 secondes
    );

    this.reconnectAttempts++;
    console.log(`🔄 Reconnexion dans ${Math.round(delay / 1000)}s (tentative ${this.reconnectAttempts})`);

    setTimeout(() => {
      this.connect();
    }, delay);
  }

  startHeartbeat() {
    // Ping périodique pour vérifier la connexion
    this.heartbeatInterval = setInterval(() => {
      if (this.channel && this.isConnected) {
        // Supabase gère automatiquement les heartbeats
        // mais on peut vérifier l'état de la connexion
        const state = this.channel.state;
        if (state !== 'joined') {
          console.warn('⚠️ Connexion dans un état inattendu:', state);
          this.scheduleReconnect();
        }
      }
    }, 30000); // Vérification toutes les 30 secondes
  }

  stopHeartbeat() {
    if (this.heartbeatInterval) {
      clearInterval(this.heartbeatInterval);
      this.heartbeatInterval = null;
    }
  }

  disconnect() {
    if (this.channel) {
      this.supabase.removeChannel(this.channel);
      this.channel = null;
    }
    this.stopHeartbeat();
    this.isConnected = false;
  }

  updateUI(status) {
    const indicator = document.getElementById('modeIndicator');
    const icon = document.getElementById('modeIcon');
    const text = document.getElementById('modeText');

    const statusConfig = {
      connected: {
        bg: '#e3f2fd',
        color: '#1976d2',
        icon: '⚡',
        text: 'Connecté - Synchronisation temps réel',
      },
      error: {
        bg: '#ffebee',
        color: '#d32f2f',
        icon: '❌',
        text: 'Erreur de connexion',
      },
      disconnected: {
        bg: '#f5f5f5',
        color: '#616161',
        icon: '🔌',
        text: 'Déconnecté',
      },
      failed: {
        bg: '#ffebee',
        color: '#d32f2f',
        icon: '💀',
        text: 'Connexion échouée',
      },
    };

    const config = statusConfig[status];
    if (indicator && config) {
      indicator.style.background = config.bg;
      indicator.style.color = config.color;
      icon.textContent = config.icon;
      text.textContent = config.text;
    }
  }
}

export { RealtimeManager };

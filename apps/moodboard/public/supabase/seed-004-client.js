// Seed 004's client code, unchanged: section 4 (the change handlers) and section 5 (the
// RealtimeManager class and its global instance) of the chapter, byte for byte below this
// header. The page (src/supabase/main.ts) defines the globals the seed uses and leaves out.

// Handler principal des changements temps réel
function handleRealtimeChange(payload) {
    console.log('🔄 Changement temps réel reçu:', payload);
    
    const { eventType, new: newRecord, old: oldRecord, table } = payload;
    
    switch (eventType) {
        case 'INSERT':
            handleNewHumeur(newRecord);
            break;
        case 'UPDATE':
            handleUpdatedHumeur(newRecord, oldRecord);
            break;
        case 'DELETE':
            handleDeletedHumeur(oldRecord);
            break;
        default:
            console.warn('⚠️ Événement non géré:', eventType);
    }
    
    // Mettre à jour les statistiques
    updateStats();
}

// Traitement d'une nouvelle humeur
function handleNewHumeur(newHumeur) {
    console.log('✨ Nouvelle humeur reçue:', newHumeur);
    
    // Éviter les doublons (au cas où)
    if (humeurs.find(h => h.id === newHumeur.id)) {
        console.log('🔄 Humeur déjà présente, ignorée');
        return;
    }
    
    // Ajouter en début de liste (plus récent en premier)
    humeurs.unshift(newHumeur);
    
    // Limiter le nombre d'éléments affichés pour les performances
    if (humeurs.length > 100) {
        humeurs = humeurs.slice(0, 100);
    }
    
    // Mettre à jour l'interface
    updateDisplay();
    
    // Animation pour attirer l'attention
    highlightNewPost(newHumeur.id);
    
    // Notification sonore/visuelle (optionnelle)
    showNewPostNotification(newHumeur);
}

// Mise à jour d'une humeur existante
function handleUpdatedHumeur(updatedHumeur, oldHumeur) {
    console.log('🔄 Humeur mise à jour:', { old: oldHumeur, new: updatedHumeur });
    
    const index = humeurs.findIndex(h => h.id === updatedHumeur.id);
    if (index !== -1) {
        humeurs[index] = updatedHumeur;
        updateDisplay();
        
        // Indiquer visuellement la modification
        highlightUpdatedPost(updatedHumeur.id);
    }
}

// Suppression d'une humeur
function handleDeletedHumeur(deletedHumeur) {
    console.log('🗑️ Humeur supprimée:', deletedHumeur);
    
    humeurs = humeurs.filter(h => h.id !== deletedHumeur.id);
    updateDisplay();
    
    // Animation de suppression
    animatePostRemoval(deletedHumeur.id);
}

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
            .on('postgres_changes', 
                { event: '*', schema: 'public', table: 'humeur' },
                (payload) => this.handleMessage(payload)
            )
            .subscribe((status) => this.handleStatusChange(status));
    }
    
    handleStatusChange(status) {
        console.log('📡 Status change:', status);
        
        switch(status) {
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
            this.baseReconnectDelay * Math.pow(2, this.reconnectAttempts) + 
            Math.random() * 1000, // Jitter pour éviter thundering herd
            30000 // Maximum 30 secondes
        );
        
        this.reconnectAttempts++;
        console.log(`🔄 Reconnexion dans ${Math.round(delay/1000)}s (tentative ${this.reconnectAttempts})`);
        
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
                bg: '#e3f2fd', color: '#1976d2', 
                icon: '⚡', text: 'Connecté - Synchronisation temps réel' 
            },
            error: { 
                bg: '#ffebee', color: '#d32f2f', 
                icon: '❌', text: 'Erreur de connexion' 
            },
            disconnected: { 
                bg: '#f5f5f5', color: '#616161', 
                icon: '🔌', text: 'Déconnecté' 
            },
            failed: { 
                bg: '#ffebee', color: '#d32f2f', 
                icon: '💀', text: 'Connexion échouée' 
            }
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

// Instance globale
const realtimeManager = new RealtimeManager(supabase);

// Client

const socket = io('http://localhost:3000');

socket.on('connect', () => {
	console.log('Connected to server');
});

// On écoute l'événement 'click' envoyé par le serveur
socket.on('click', (count) => {
	console.log('Click count:', count);
});

// On ajoute un événement sur le bouton, qui enverra un événement au serveur
document.getElementById('button').addEventListener('click', () => {
	socket.emit('click');
});

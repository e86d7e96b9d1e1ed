import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { appConfig } from '../vite.shared.js';

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const config = appConfig({ base: '/counter/' });

// Two pages: the native counter (index.html) and the Socket.IO one (socketio.html, seed 001's client).
export default defineConfig({
  ...config,
  build: { ...config.build, rollupOptions: { input: { main: page('index.html'), socketio: page('socketio.html') } } },
});

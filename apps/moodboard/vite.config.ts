import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { appConfig } from '../vite.shared.js';

const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const config = appConfig({ base: '/moodboard/' });

// Two pages: the native mood board (index.html) and the Supabase one (supabase.html, seed 004's
// client with supabase-js). public/ holds the seed's script, copied as it is.
export default defineConfig({
  ...config,
  build: { ...config.build, rollupOptions: { input: { main: page('index.html'), supabase: page('supabase.html') } } },
});

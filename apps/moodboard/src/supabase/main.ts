/**
 * @module moodboard/src/supabase/main
 * The mood board's Supabase page: runs seed 004's client code (public/supabase/seed-004-client.js,
 * unchanged: its change handlers and its `RealtimeManager`) with the real `@supabase/supabase-js`,
 * bundled from node_modules, on the same table as the native page. Only the seed's project URL
 * and anon key change: the URL is this page's own origin, the key `?apikey=` of the page's
 * address, else `anon` (what a node without `auth` takes).
 *
 * The seed is a classic script using globals (`supabase`, `humeurs` and display functions it
 * leaves to the page): they are defined here before it runs. Votes are PostgREST inserts
 * (`supabase.from('humeur').insert(…)`), the board follows `postgres_changes`, and each time
 * the seed's channel is SUBSCRIBED the page reads the rows again (catch-up.ts): what the table
 * got while the channel was down shows up.
 */
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import { MAX_AUTHOR_LENGTH, MOODS } from '../../shared/protocol.js';
import { CatchUp, normalizeRow, type ChangePayload, type Row } from './catch-up.js';
import '../board.css';
import './supabase.css';

/** The seed's table, as its code names it. */
const TABLE = 'humeur';
/** Rows the page reads (the seed keeps at most 100). */
const SHOWN = 100;

interface SeedManager {
  isConnected: boolean;
  handleMessage(payload: ChangePayload): void;
  handleStatusChange(status: string): void;
  connect(): void;
}

declare global {
  // The seed's globals: what it reads (defined below) and what it defines.
  var supabase: SupabaseClient;
  var humeurs: Record<string, unknown>[];
  var updateDisplay: () => void;
  var updateStats: () => void;
  var highlightNewPost: (id: unknown) => void;
  var highlightUpdatedPost: (id: unknown) => void;
  var showNewPostNotification: (row: Record<string, unknown>) => void;
  var animatePostRemoval: (id: unknown) => void;
  var handleRealtimeChange: (payload: ChangePayload) => void;
  /** The seed's `const realtimeManager`, seen from here (a global lexical binding of its script). */
  var realtimeManager: SeedManager;
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const text = (tag: string, className: string, content: string) => {
  const element = document.createElement(tag);
  element.className = className;
  element.textContent = content;
  return element;
};

function showProblem(message: string): void {
  const problem = byId<HTMLParagraphElement>('problem');
  problem.textContent = message;
  problem.hidden = message === '';
}

// What the seed leaves to the page. User text is set as text, never as markup.
globalThis.humeurs = [];
globalThis.updateDisplay = () => {
  const board = byId<HTMLOListElement>('board');
  board.dataset.count = String(humeurs.length);
  board.replaceChildren(
    ...humeurs.map((row) => {
      const item = document.createElement('li');
      item.dataset.testid = 'mood';
      item.dataset.postId = String(row.id);
      item.dataset.emoji = String(row.emoji);
      item.append(text('span', 'emoji', String(row.emoji)), text('span', 'author', String(row.author)));
      return item;
    }),
  );
};
globalThis.updateStats = () => {
  const counts = new Map<string, number>();
  for (const row of humeurs) counts.set(String(row.emoji), (counts.get(String(row.emoji)) ?? 0) + 1);
  byId('tally').replaceChildren(...[...counts].map(([emoji, count]) => text('li', 'count', `${emoji} ${count}`)));
};
const flash = (id: unknown) => document.querySelector(`[data-post-id="${CSS.escape(String(id))}"]`)?.classList.add('fresh');
globalThis.highlightNewPost = flash;
globalThis.highlightUpdatedPost = flash;
globalThis.showNewPostNotification = () => undefined;
globalThis.animatePostRemoval = () => undefined;

const key = new URLSearchParams(location.search).get('apikey') || 'anon';
// Seed 004: createClient(window.PRIVATE_CONFIG.supabaseUrl, window.PRIVATE_CONFIG.supabaseAnonKey)
globalThis.supabase = createClient(location.origin, key);

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

async function readRows(): Promise<Row[]> {
  // As the seed's connection test, `supabase.from('humeur').select('*').limit(1)`, with more rows.
  const { data, error } = await supabase.from(TABLE).select('*').order('id', { ascending: false }).limit(SHOWN);
  if (error) throw new Error(`${error.code ?? ''} ${error.message}`.trim());
  return (data as Record<string, unknown>[]).map((row) => normalizeRow(row) as Row);
}

const catchUp = new CatchUp({
  apply: (payload) => handleRealtimeChange(payload),
  read: readRows,
  replace: (rows) => {
    humeurs = rows;
    updateDisplay();
    updateStats();
  },
});

async function vote(emoji: string): Promise<void> {
  const author = byId<HTMLInputElement>('author').value.trim();
  if (author === '') return showProblem('Type your name first.');
  const { error } = await supabase.from(TABLE).insert({ emoji, author }).select();
  showProblem(error ? `That mood was not posted: ${error.message}` : '');
}

function buttons(): void {
  const author = byId<HTMLInputElement>('author');
  author.maxLength = MAX_AUTHOR_LENGTH;
  byId('moods').replaceChildren(
    ...MOODS.map((emoji) => {
      const button = text('button', 'mood', emoji) as HTMLButtonElement;
      button.type = 'button';
      button.dataset.testid = 'mood-button';
      button.dataset.emoji = emoji;
      button.setAttribute('aria-label', `Post ${emoji}`);
      button.addEventListener('click', () => void vote(emoji));
      return button;
    }),
  );
  byId('post').addEventListener('submit', (event) => event.preventDefault());
}

buttons();
await loadScript(new URL('supabase/seed-004-client.js', document.baseURI).href);
// The seed's class calls `this.handleMessage(payload)` without defining it: the page's.
realtimeManager.handleMessage = (payload) => catchUp.change(payload);
const seedStatus = realtimeManager.handleStatusChange.bind(realtimeManager);
realtimeManager.handleStatusChange = (status) => {
  seedStatus(status);
  if (status === 'SUBSCRIBED') {
    catchUp.resync().then(
      () => showProblem(''),
      (error: Error) => showProblem(`The moods could not be read: ${error.message}`),
    );
  }
};
realtimeManager.connect();

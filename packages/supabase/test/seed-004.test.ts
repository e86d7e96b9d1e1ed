import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RealtimeChannel, SupabaseClient } from '@supabase/supabase-js';
import { RealtimeManager as SeedRealtimeManager } from './seeds/seed-004-realtime-manager.js';
import { subscribed, useSupabaseNodes } from './harness.js';

/** The three elements the seed's updateUI writes to, recording each status text it shows. */
function fakeDocument(): { shown: string[] } {
  const shown: string[] = [];
  const element = (record: boolean) => ({
    style: {},
    set textContent(text: string) {
      if (record) shown.push(text);
    },
  });
  const elements: Record<string, unknown> = { modeIndicator: element(false), modeIcon: element(false), modeText: element(true) };
  (globalThis as { document?: unknown }).document = { getElementById: (id: string) => elements[id] ?? null };
  return { shown };
}

/** The seed's class is plain JavaScript: what the test reads of it. */
interface RealtimeManager {
  isConnected: boolean;
  reconnectAttempts: number;
  maxReconnectAttempts: number;
  channel: RealtimeChannel;
  connect(): void;
  disconnect(): void;
}
const RealtimeManager = SeedRealtimeManager as unknown as new (supabase: SupabaseClient) => RealtimeManager;

// Registered before the nodes' cleanup so that it runs after it: the page stays until the sockets are gone.
afterEach(() => {
  delete (globalThis as { document?: unknown }).document;
});
const start = useSupabaseNodes();

/** Ends a manager as a page unload would: no reconnect is scheduled by the teardown's errors. */
function stop(manager: RealtimeManager): void {
  manager.maxReconnectAttempts = 0;
  manager.disconnect();
}

const CONNECTED = 'Connecté - Synchronisation temps réel';
const ERROR = 'Erreur de connexion';

describe("seed 004's RealtimeManager, unchanged, against relais", () => {
  it('subscribes (SUBSCRIBED) and reconnects after the node cuts its channel, showing each status', async () => {
    const { shown } = fakeDocument();
    const node = await start();
    const supabase = node.client();
    const manager = new RealtimeManager(supabase);
    manager.connect();
    await vi.waitFor(() => expect(shown).toEqual([CONNECTED]));
    expect(manager.isConnected).toBe(true);
    expect(manager.channel.state).toBe('joined');

    // The channel's relais connection is ended by the node (as on a server-side unsubscribe):
    // realtime-js reports CHANNEL_ERROR, the manager shows the error and reconnects with backoff.
    const entries = await node.relais.presence('supabase:humeur_realtime');
    const listener = Object.values(entries).find((entry) => (entry.info as { supabase?: string }).supabase === 'listener')!;
    expect(node.relais.unsubscribe(listener.client, 'supabase:humeur_realtime')).toBe(true);
    await vi.waitFor(() => expect(shown).toEqual([CONNECTED, ERROR, CONNECTED]), { timeout: 5_000 });
    expect(manager.reconnectAttempts).toBe(0);
    stop(manager);
  });

  it('its channel carries broadcasts too, next to the (refused) postgres_changes binding', async () => {
    fakeDocument();
    const node = await start();
    const manager = new RealtimeManager(node.client());
    manager.connect();
    await vi.waitFor(() => expect(manager.isConnected).toBe(true));
    const other = node.client().channel('humeur_realtime', { config: { broadcast: { ack: true } } });
    await subscribed(other);
    const got = new Promise<unknown>((resolve) =>
      manager.channel.on('broadcast', { event: 'vote' }, ({ payload }: { payload: unknown }) => resolve(payload)),
    );
    await other.send({ type: 'broadcast', event: 'vote', payload: { emoji: '🚀' } });
    expect(await got).toEqual({ emoji: '🚀' });
    stop(manager);
  });
});

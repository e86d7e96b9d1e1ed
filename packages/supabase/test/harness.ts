/**
 * @module harness
 * Test nodes with the Supabase front-end mounted, real `@supabase/supabase-js` clients (over
 * `ws`, Node 20 has no global WebSocket), and HS256 keys signed as a Supabase project signs
 * them. Everything is closed after each test.
 */
import { createClient, type RealtimeChannel, type SupabaseClient } from '@supabase/supabase-js';
import { createRelais, type Relais, type RelaisOptions } from '@relais/server';
import { TestClient } from '@relais/server/testkit';
import { JSON_SUBPROTOCOL } from '@relais/protocol';
import { SignJWT } from 'jose';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { mountSupabase, type MountedSupabase, type MountSupabaseOptions } from '../src/index.js';

export const JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long';

/** A Supabase-style key: `role` and `exp`, `sub` for a user. */
export async function sign(claims: Record<string, unknown>, expiresInS = 3600): Promise<string> {
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInS)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

export const NAMESPACES = {
  supabase: { presence: true, joinLeave: true },
  'supabase-private': { presence: true, joinLeave: true, subscribeAccess: 'authenticated' as const },
};

export interface SupabaseNode {
  relais: Relais;
  mounted: MountedSupabase;
  /** HTTP base URL: the Supabase project URL of the clients. */
  base: string;
  /** A supabase-js client with `key` (the anon key unless told). */
  client(key?: string, options?: { vsn?: string }): SupabaseClient;
  /** A native relais test client (JSON), not connected yet. */
  native(): Promise<TestClient>;
}

export function useSupabaseNodes(): (options?: RelaisOptions, supabase?: MountSupabaseOptions) => Promise<SupabaseNode> {
  let cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });
  return async (options = {}, supabase = {}) => {
    const relais = createRelais({ auth: { hmacSecret: JWT_SECRET }, namespaces: NAMESPACES, ...options });
    const mounted = mountSupabase(relais, supabase);
    cleanups.push(() => relais.close());
    cleanups.push(() => mounted.unmount());
    const { port } = await relais.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    const anon = await sign({ role: 'anon', iss: 'supabase' });
    return {
      relais,
      mounted,
      base,
      client(key = anon, clientOptions = {}) {
        const client = createClient(base, key, {
          auth: { persistSession: false, autoRefreshToken: false },
          realtime: { transport: WebSocket as never, ...(clientOptions.vsn ? { vsn: clientOptions.vsn } : {}) },
        });
        cleanups.push(async () => {
          await client.removeAllChannels();
          client.realtime.disconnect();
        });
        return client;
      },
      async native() {
        const client = await TestClient.open(`ws://127.0.0.1:${port}${relais.options.path}`, { protocols: JSON_SUBPROTOCOL });
        cleanups.push(async () => {
          await client.close();
        });
        return client;
      },
    };
  };
}

/** Subscribes and resolves on SUBSCRIBED; rejects with the status (and error) otherwise. */
export function subscribed(channel: RealtimeChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    channel.subscribe((status, error) => {
      if (status === 'SUBSCRIBED') resolve();
      else reject(Object.assign(new Error(`${status}: ${error?.message ?? ''}`), { status }));
    });
  });
}

/** The next value `register` hands its callback. */
export function next<T>(register: (callback: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

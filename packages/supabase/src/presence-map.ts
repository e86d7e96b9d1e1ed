/**
 * @module presence-map
 * relais presence entries as Supabase presence (Phoenix.Presence's shape): a state keyed by
 * presence key, each with `metas`, one meta per tracked connection carrying its `phx_ref`.
 * - A Supabase `track` is a relais connection of its own whose info is `{supabase: 'presence',
 *   key, meta}`: key is the join's `presence.key`, meta the tracked payload, phx_ref its client id.
 * - The connection a Supabase channel listens with has info `{supabase: 'listener'}`: it is no
 *   one's presence and never shows.
 * - Any other relais connection (a native SDK client) shows under its user id (its client id
 *   when anonymous), its info spread into the meta when it is an object.
 * Pure functions, no I/O.
 */
import type { ClientInfo } from '@relais/protocol';

export interface PresenceMeta {
  phx_ref: string;
  [field: string]: unknown;
}

export type PresenceState = Record<string, { metas: PresenceMeta[] }>;

export interface PresenceDiff {
  joins: PresenceState;
  leaves: PresenceState;
}

/** Connection info of a channel's listening connection. */
export const LISTENER_INFO = { supabase: 'listener' } as const;

/** Connection info of a tracked presence. */
export function memberInfo(
  key: string,
  meta: Record<string, unknown>,
): { supabase: 'presence'; key: string; meta: Record<string, unknown> } {
  return { supabase: 'presence', key, meta };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The presence key and meta of one relais entry, or undefined for a listener. */
export function presenceOf(entry: ClientInfo): { key: string; meta: PresenceMeta } | undefined {
  const info = entry.info;
  if (isRecord(info) && info.supabase === 'listener') return undefined;
  if (isRecord(info) && info.supabase === 'presence' && typeof info.key === 'string' && isRecord(info.meta))
    return { key: info.key, meta: { ...info.meta, phx_ref: entry.client } };
  const meta: PresenceMeta = isRecord(info) ? { ...info, phx_ref: entry.client } : { phx_ref: entry.client };
  if (!isRecord(info) && info !== undefined) meta.info = info;
  if (entry.user !== '') meta.user = entry.user;
  return { key: entry.user || entry.client, meta };
}

/** The Supabase state of a channel's relais presence (listeners left out). */
export function presenceState(entries: Record<string, ClientInfo>): PresenceState {
  const state: PresenceState = {};
  for (const entry of Object.values(entries)) {
    const presence = presenceOf(entry);
    if (!presence) continue;
    (state[presence.key] ??= { metas: [] }).metas.push(presence.meta);
  }
  return state;
}

/** The `presence_diff` of one relais join or leave; undefined when it is a listener's. */
export function presenceDiff(type: 'join' | 'leave', entry: ClientInfo): PresenceDiff | undefined {
  const presence = presenceOf(entry);
  if (!presence) return undefined;
  const one = { [presence.key]: { metas: [presence.meta] } };
  return type === 'join' ? { joins: one, leaves: {} } : { joins: {}, leaves: one };
}

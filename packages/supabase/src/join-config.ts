/**
 * @module join-config
 * The `config` of a `phx_join` as realtime-js sends it, checked: broadcast `self` and `ack`,
 * presence `key` and `enabled`, `private`, and the `postgres_changes` entries.
 */
import type { PostgresChangesBinding } from './postgres-changes.js';

export interface JoinConfig {
  broadcastSelf: boolean;
  broadcastAck: boolean;
  /** '' when the client chose none (then the server picks one per join). */
  presenceKey: string;
  presenceEnabled: boolean;
  private: boolean;
  postgresChanges: PostgresChangesBinding[];
  /** The join's access token, when it carries one. */
  accessToken: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalBoolean(where: Record<string, unknown>, key: string, path: string): boolean {
  const value = where[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${path}.${key} must be a boolean`);
  return value;
}

function section(config: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = config[key];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new TypeError(`config.${key} must be an object`);
  return value;
}

const EVENTS = new Set(['*', 'INSERT', 'UPDATE', 'DELETE']);

/** Most `postgres_changes` entries one join may hold (each is a subscription of the channel's connection). */
export const MAX_POSTGRES_CHANGES = 100;

function binding(value: unknown, index: number): PostgresChangesBinding {
  const path = `config.postgres_changes[${index}]`;
  if (!isRecord(value)) throw new TypeError(`${path} must be an object`);
  if (typeof value.event !== 'string' || !EVENTS.has(value.event.toUpperCase()))
    throw new TypeError(`${path}.event must be one of *, INSERT, UPDATE, DELETE`);
  const out: PostgresChangesBinding = { event: value.event };
  for (const key of ['schema', 'table', 'filter'] as const) {
    const field = value[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== 'string') throw new TypeError(`${path}.${key} must be a string`);
    out[key] = field;
  }
  return out;
}

/** Reads a join payload; throws a TypeError whose message is the join's error reason. */
export function parseJoinPayload(payload: Record<string, unknown>): JoinConfig {
  const config = payload.config === undefined ? {} : payload.config;
  if (!isRecord(config)) throw new TypeError('config must be an object');
  const broadcast = section(config, 'broadcast');
  const presence = section(config, 'presence');
  const key = presence.key ?? '';
  if (typeof key !== 'string') throw new TypeError('config.presence.key must be a string');
  if (key.length > 255) throw new TypeError('config.presence.key must be at most 255 characters');
  const changes = config.postgres_changes ?? [];
  if (!Array.isArray(changes)) throw new TypeError('config.postgres_changes must be an array');
  if (changes.length > MAX_POSTGRES_CHANGES)
    throw new TypeError(`config.postgres_changes must hold at most ${MAX_POSTGRES_CHANGES} entries`);
  const token = payload.access_token;
  if (token !== undefined && token !== null && typeof token !== 'string') throw new TypeError('access_token must be a string');
  return {
    broadcastSelf: optionalBoolean(broadcast, 'self', 'config.broadcast'),
    broadcastAck: optionalBoolean(broadcast, 'ack', 'config.broadcast'),
    presenceKey: key,
    presenceEnabled: optionalBoolean(presence, 'enabled', 'config.presence'),
    private: optionalBoolean(config, 'private', 'config'),
    postgresChanges: changes.map(binding),
    accessToken: typeof token === 'string' && token !== '' ? token : undefined,
  };
}

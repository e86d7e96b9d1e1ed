/**
 * @module chat/lib/presence
 * Who is online in a room, pure: the display names of the present connections.
 */
import type { ClientInfo } from '@relais/client';

/** The display name a connection chose (its connection info `{ name }`), if any. */
export function displayName(entry: ClientInfo): string | undefined {
  const name = (entry.info as { name?: unknown } | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** Distinct display names of the present connections, sorted; a name open in two tabs shows once. */
export function onlineNames(clients: Readonly<Record<string, ClientInfo>>): string[] {
  const names = new Set<string>();
  for (const entry of Object.values(clients)) {
    const name = displayName(entry);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort((a, b) => a.localeCompare(b));
}

/**
 * @module unused-channels
 * Forgetting change channels nobody subscribes to any more, so that the routes, the registry and
 * the per-change evaluations stay bounded by what is in use. The streaming node asks every node
 * of the cluster which change channels have subscribers (`api.channels`), keeps, per routed
 * channel, since when none had, and deletes the registry rows of channels unused for
 * `idleChannelMs` and registered before the sweep by more than a subscribe may take to be
 * counted (a subscribe writes its channel's row before it is answered, so one in flight is
 * never forgotten).
 */
import type pg from 'pg';
import { CLUSTER_COMMANDS, type ChannelCount, type Cluster } from '@relais/server';
import { registryName } from './registry.js';
import type { TableName } from './setup.js';

/** Since when each routed channel had no subscriber on any node (ms, the node's clock). */
export class UnusedChannels {
  readonly #since = new Map<string, number>();

  /**
   * Takes the routed channels and those with subscribers now; returns the channels unused for
   * `idleMs` at least (they stay tracked until they are no longer routed).
   */
  update(routed: readonly string[], subscribed: ReadonlySet<string>, now: number, idleMs: number): string[] {
    const live = new Set(routed);
    for (const channel of this.#since.keys()) if (!live.has(channel) || subscribed.has(channel)) this.#since.delete(channel);
    const idle: string[] = [];
    for (const channel of routed) {
      if (subscribed.has(channel)) continue;
      const since = this.#since.get(channel) ?? now;
      this.#since.set(channel, since);
      if (now - since >= idleMs) idle.push(channel);
    }
    return idle;
  }

  get size(): number {
    return this.#since.size;
  }
}

/**
 * The channels under `namespace` with a subscriber on some node; undefined when a node did not
 * answer (nothing may be forgotten then: its subscribers are unknown).
 */
export async function subscribedChannels(cluster: Cluster, namespace: string, timeoutMs: number): Promise<Set<string> | undefined> {
  const replies = await cluster.gather(CLUSTER_COMMANDS.channels, { pattern: `${namespace}:*` }, timeoutMs);
  const out = new Set<string>();
  for (const reply of replies) {
    if (!('result' in reply) || !Array.isArray(reply.result)) return undefined;
    for (const [channel, count] of reply.result as ChannelCount[]) if (count > 0) out.add(channel);
  }
  return out;
}

/**
 * Deletes the registry rows of `channels` registered (or touched by a subscribe) before
 * `before`, a time of the database's clock; returns the channels deleted. The deletions come
 * through the stream like any change and remove the routes on the streaming node.
 */
export async function forget(db: pg.Pool, registry: TableName, channels: readonly string[], before: Date): Promise<string[]> {
  const { rows } = await db.query<{ channel: string }>(
    `DELETE FROM ${registryName(registry)} WHERE channel = ANY($1) AND registered_at < $2 RETURNING channel`,
    [channels, before],
  );
  return rows.map((row) => row.channel);
}

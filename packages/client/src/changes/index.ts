/**
 * @module @relais/client/changes
 * Postgres change subscriptions (server side: @relais/postgres, docs/postgres.md), an opt-in
 * import so that apps without them do not ship them: `subscribeChanges(client, options)`, the
 * ChangeSubscription it returns, and the channel names of (schema, table, event, filter).
 */
import type { Client } from '../client.js';
import { ChangeSubscription } from './change-subscription.js';
import { changeSubscribe, type ChangesOptions, type RowChange } from './channel.js';

/**
 * Subscribes `client` to the row changes of a Postgres table streamed by the server
 * (docs/postgres.md): a `subscribe` to the change channel of (schema, table, event, filter),
 * every other option being `subscribe`'s; each change is a `change` event. With
 * `snapshot: true` the rows matching now come first (a `snapshot` event), then only the
 * changes after them. Throws InvalidOptionsError for a bad table, event or filter.
 * @example subscribeChanges<Todo>(client, { table: 'todos', filter: 'done=eq.false', snapshot: true }).on('change', (c) => apply(c));
 */
export function subscribeChanges<Row = Record<string, unknown>>(client: Client, options: ChangesOptions): ChangeSubscription<Row> {
  const { channel, subscribe, snapshot } = changeSubscribe(options);
  const sub = client.subscribe<RowChange<Row>>(channel, subscribe);
  return new ChangeSubscription<Row>(sub, snapshot, (method, data) => client.rpc(method, data));
}

export { ChangeSubscription, type ChangeSource, type ChangeSubscriptionEvents, type SnapshotCall } from './change-subscription.js';
export {
  changesChannel,
  inSnapshot,
  SNAPSHOT_METHOD,
  type ChangeSnapshot,
  type ChangeEvent,
  type ChangeFilter,
  type ChangeFilterOp,
  type ChangesOptions,
  type RowChange,
} from './channel.js';

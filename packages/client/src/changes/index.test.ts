import { describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError } from '../errors.js';
import { fakeClient } from '../testing/helpers.js';
import { useFakeServer } from '../testing/use-fake-server.js';
import { changesChannel, subscribeChanges } from './index.js';

describe('subscribeChanges', () => {
  const fake = useFakeServer();

  it("subscribes the client to the table's change channel, asking for a snapshot when told", async () => {
    const client = fakeClient(fake.server);
    client.connect();
    const changes = subscribeChanges(client, { table: 'todos', filter: 'done=eq.false', snapshot: true, data: { a: 1 } });
    await vi.advanceTimersByTimeAsync(0);
    expect(changes.channel).toBe(changesChannel({ table: 'todos', filter: 'done=eq.false' }));
    expect(client.getSubscription(changes.channel)).toBe(changes.subscription);
    const subscribe = fake.server.current?.commands.find((command) => command.method === 'subscribe');
    expect(subscribe?.params).toMatchObject({ channel: changes.channel, data: { a: 1, snapshot: true } });
    client.close();
  });

  it('is no longer a method of the client: the old call says what to import', () => {
    const client = fakeClient(fake.server);
    const old = client.subscribeChanges as unknown as (options: unknown) => unknown;
    expect(() => old.call(client, { table: 'todos' })).toThrow(InvalidOptionsError);
    expect(() => old.call(client, { table: 'todos' })).toThrow(
      "subscribeChanges is an opt-in import: import { subscribeChanges } from '@relais/client/changes' and call subscribeChanges(client, options)",
    );
    client.close();
  });
});

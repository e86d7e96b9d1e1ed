import { describe, expect, it, vi } from 'vitest';
import { InvalidOptionsError } from './errors.js';
import { useFakeServer } from './testing/use-fake-server.js';
import { fakeClient } from './testing/helpers.js';

describe('Client', () => {
  const fake = useFakeServer();

  describe('#subscribe with since', () => {
    it('asks for recovery from the given position on the first subscribe', async () => {
      const client = fakeClient(fake.server);
      client.subscribe('room:1', { since: { offset: 7, epoch: 'e1' } });
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.commands('subscribe')[0]!.params).toMatchObject({ channel: 'room:1', since: { offset: 7, epoch: 'e1' } });
    });

    it('rejects a since that is not a stream position', () => {
      const client = fakeClient(fake.server);
      expect(() => client.subscribe('room:1', { since: { offset: -1, epoch: 'e' } })).toThrow(InvalidOptionsError);
      expect(() => client.subscribe('room:1', { since: { offset: 1 } as never })).toThrow(/since must be { offset, epoch }/);
    });
  });

  describe('#publish with idempotencyKey', () => {
    it('sends the given key instead of a new one', async () => {
      const client = fakeClient(fake.server);
      client.connect();
      await vi.advanceTimersByTimeAsync(0);
      void client.publish('room:1', { n: 1 }, { idempotencyKey: 'k-1' });
      await vi.advanceTimersByTimeAsync(0);
      expect(fake.server.commands('publish')[0]!.params).toMatchObject({ channel: 'room:1', idempotencyKey: 'k-1' });
    });

    it('rejects an empty key and a key on an ephemeral publish', async () => {
      const client = fakeClient(fake.server);
      await expect(client.publish('room:1', 1, { idempotencyKey: '' })).rejects.toThrow(InvalidOptionsError);
      await expect(client.publish('room:1', 1, { idempotencyKey: 'k', ephemeral: true })).rejects.toThrow(/not on ephemeral/);
    });
  });
});

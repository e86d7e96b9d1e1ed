/**
 * Idempotent publishes and the per-connection bound on the keys the engine keeps for them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRelais, type Relais } from '../node.js';
import { flushMicrotasks } from '../testkit/fake-transport.js';
import { connectSession, sendCommands, type OpenedSession } from '../testkit/sessions.js';

let relais: Relais | undefined;
afterEach(async () => {
  await relais?.close();
  relais = undefined;
});

let nextId = 10;
async function publish({ session, transport }: OpenedSession, key: string): Promise<unknown> {
  const id = nextId++;
  sendCommands(session, { id, method: 'publish', params: { channel: 'room:a', data: key, idempotencyKey: key } });
  await flushMicrotasks();
  return transport.reply(id)?.result;
}

describe('idempotency keys per connection', () => {
  it("keeps at most limits.maxIdempotencyKeysPerConnection of one connection's keys, its oldest forgotten first, others' untouched", async () => {
    relais = createRelais({
      namespaces: { room: { historySize: 100, historyTtlMs: 60_000 } },
      limits: { maxIdempotencyKeysPerConnection: 3 },
    });
    const flooder = await connectSession(relais);
    const other = await connectSession(relais);
    const kept = await publish(other, 'other-key');
    const first = (await publish(flooder, 'k1')) as { offset: number };
    for (const key of ['k2', 'k3', 'k4', 'k5']) await publish(flooder, key);
    // k5 is remembered: a retry is not published again. k1 was forgotten: a retry publishes anew.
    const k5 = await publish(flooder, 'k5');
    expect(await publish(flooder, 'k5')).toEqual(k5);
    expect(((await publish(flooder, 'k1')) as { offset: number }).offset).toBeGreaterThan(first.offset + 4);
    // The other connection's key outlived the flood.
    expect(await publish(other, 'other-key')).toEqual(kept);
  });

  it('remembers a key across connections: a resend on a new connection is delivered once', async () => {
    relais = createRelais({ namespaces: { room: { historySize: 100, historyTtlMs: 60_000 } } });
    const before = await connectSession(relais);
    const sent = await publish(before, 'resent');
    before.session.close(3000);
    const after = await connectSession(relais);
    expect(await publish(after, 'resent')).toEqual(sent);
  });
});

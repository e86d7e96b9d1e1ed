/**
 * @module testkit/control-link-suite
 * The contract suite of the ControlLink role (see cluster/control-link): every engine runs it.
 * This file imports vitest: use it only from test files.
 *
 * @example
 * runControlLinkSuite('MemoryControlLink', (count) => {
 *   const hub = new MemoryControlHub();
 *   return Array.from({ length: count }, () => new MemoryControlLink(hub));
 * });
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlLink } from '../cluster/control-link.js';

/** Makes `count` links sharing one backend (nodes of one cluster). */
export type MakeControlLinks = (count: number) => ControlLink[] | Promise<ControlLink[]>;

/** Resolves once `received` holds `count` messages (checked on every message). */
function inbox(): { received: string[]; reach(count: number): Promise<void>; push(message: string): void } {
  const received: string[] = [];
  let waiter: { count: number; resolve(): void } | undefined;
  return {
    received,
    push(message) {
      received.push(message);
      if (waiter && received.length >= waiter.count) waiter.resolve();
    },
    reach(count) {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => (waiter = { count, resolve }));
    },
  };
}

export function runControlLinkSuite(name: string, makeLinks: MakeControlLinks): void {
  describe(`ControlLink contract: ${name}`, () => {
    let open: ControlLink[] = [];
    afterEach(async () => {
      await Promise.all(open.map((link) => link.close()));
      open = [];
    });

    async function started(count: number): Promise<{ links: ControlLink[]; inboxes: ReturnType<typeof inbox>[]; ids: string[] }> {
      const links = await makeLinks(count);
      open.push(...links);
      const ids = links.map(() => `n${Math.random().toString(36).slice(2, 10)}`);
      const inboxes = links.map(() => inbox());
      await Promise.all(links.map((link, i) => link.start(ids[i]!, (message) => inboxes[i]!.push(message))));
      return { links, inboxes, ids };
    }

    it('delivers a message sent to every node once to each, the sender included', async () => {
      const { links, inboxes } = await started(3);
      await links[0]!.send(undefined, 'hello all');
      // A marker sent after by the same link: once it arrived, no second copy can come before it.
      await links[0]!.send(undefined, 'marker');
      await Promise.all(inboxes.map((box) => box.reach(2)));
      for (const box of inboxes) expect(box.received).toEqual(['hello all', 'marker']);
    });

    it('delivers a message sent to one node to that node only, in the order sent', async () => {
      const { links, inboxes, ids } = await started(3);
      for (let i = 0; i < 20; i++) await links[0]!.send(ids[1], `m${i}`);
      await links[0]!.send(undefined, 'end');
      await Promise.all(inboxes.map((box, i) => box.reach(i === 1 ? 21 : 1)));
      expect(inboxes[1]!.received).toEqual([...Array.from({ length: 20 }, (_, i) => `m${i}`), 'end']);
      expect(inboxes[0]!.received).toEqual(['end']);
      expect(inboxes[2]!.received).toEqual(['end']);
    });

    it('drops a message to a node nobody started, and carries any text', async () => {
      const { links, inboxes } = await started(2);
      await links[0]!.send('nobody-here', 'lost');
      const text = JSON.stringify({ emoji: '🎉', nested: { quote: '"', newline: '\n' } });
      await links[0]!.send(undefined, text);
      await Promise.all(inboxes.map((box) => box.reach(1)));
      for (const box of inboxes) expect(box.received).toEqual([text]);
    });

    it('stops delivering to a closed link, and rejects its sends', async () => {
      const { links, inboxes, ids } = await started(2);
      await links[1]!.close();
      await links[0]!.send(ids[1], 'after close');
      await links[0]!.send(undefined, 'to all');
      await inboxes[0]!.reach(1);
      expect(inboxes[1]!.received).toEqual([]);
      await expect(links[1]!.send(undefined, 'x')).rejects.toThrow();
      await links[1]!.close();
    });
  });
}

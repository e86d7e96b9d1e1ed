import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxStoreError } from './errors.js';
import { JsonFileOutboxStore } from './file-store.js';
import { MemoryOutboxStore, type OutboxEntry, type OutboxRpcEntry, type OutboxStore } from './store.js';

const files = { readFile, writeFile, rename };
const entry = (key: string, createdAt: number): OutboxEntry => ({ key, channel: 'room:1', data: { key }, createdAt });

/** The OutboxStore contract, run against every store that works in Node. */
function runStoreSuite(name: string, make: () => Promise<OutboxStore>) {
  describe(name, () => {
    it('lists what was put, oldest first, and forgets what was deleted', async () => {
      const store = await make();
      await store.put(entry('b', 20));
      await store.put(entry('a', 10));
      await store.put(entry('c', 20));
      expect((await store.list()).map((e) => e.key)).toEqual(['a', 'b', 'c']);
      await store.delete('b');
      await store.delete('missing');
      expect((await store.list()).map((e) => e.key)).toEqual(['a', 'c']);
    });

    it('replaces an entry put again under the same key', async () => {
      const store = await make();
      await store.put(entry('a', 10));
      await store.put({ ...entry('a', 10), data: 'second' });
      expect(await store.list()).toEqual([{ ...entry('a', 10), data: 'second' }]);
    });

    it('hands out copies: changing a listed entry changes nothing stored', async () => {
      const store = await make();
      await store.put(entry('a', 10));
      (await store.list())[0]!.data = 'changed';
      expect((await store.list())[0]!.data).toEqual(entry('a', 10).data);
    });

    it('keeps durable RPCs beside publishes, in the same order', async () => {
      const store = await make();
      const call: OutboxRpcEntry = { kind: 'rpc', key: 'r', method: 'order', data: { item: 'tea' }, createdAt: 15 };
      await store.put(entry('b', 20));
      await store.put(call);
      await store.put(entry('a', 10));
      expect(await store.list()).toEqual([entry('a', 10), call, entry('b', 20)]);
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relais-outbox-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
runStoreSuite('MemoryOutboxStore', () => Promise.resolve(new MemoryOutboxStore()));
runStoreSuite('JsonFileOutboxStore', () => Promise.resolve(new JsonFileOutboxStore(join(dir, `suite-${n++}.json`), files)));

describe('JsonFileOutboxStore', () => {
  it('keeps its entries across instances (a restarted process)', async () => {
    const path = join(dir, 'restart.json');
    await new JsonFileOutboxStore(path, files).put(entry('a', 1));
    expect(await new JsonFileOutboxStore(path, files).list()).toEqual([entry('a', 1)]);
  });

  it('says what is wrong with a file that is not an outbox', async () => {
    const path = join(dir, 'broken.json');
    await writeFile(path, '{not json');
    await expect(new JsonFileOutboxStore(path, files).list()).rejects.toThrow(OutboxStoreError);
    await writeFile(path, '{"a":1}');
    await expect(new JsonFileOutboxStore(path, files).list()).rejects.toThrow(/no array of entries/);
    expect(() => new JsonFileOutboxStore('', files)).toThrow(/needs a file path/);
  });
});

/**
 * @module outbox/file-store
 * An outbox store in one JSON file, for Node processes that must resend after a restart. The
 * file functions are injected (node:fs/promises fits), so this module imports nothing of Node
 * and the outbox entry point still bundles for browsers.
 */
import { OutboxStoreError } from './errors.js';
import { sortEntries, type OutboxRecord, type OutboxStore } from './store.js';

/** The part of node:fs/promises the store uses. */
export interface OutboxFiles {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

/**
 * Every change rewrites the file (written to `path.tmp`, then renamed over it, so a crash leaves
 * the old or the new content, never half of one). Changes are serialized. Fits outboxes of a
 * few hundred entries; a missing file is an empty outbox.
 * @example new JsonFileOutboxStore('./outbox.json', await import('node:fs/promises'))
 */
export class JsonFileOutboxStore implements OutboxStore {
  readonly #path: string;
  readonly #files: OutboxFiles;
  #entries: Map<string, OutboxRecord> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, files: OutboxFiles) {
    if (typeof path !== 'string' || path === '') throw new OutboxStoreError('JsonFileOutboxStore needs a file path');
    this.#path = path;
    this.#files = files;
  }

  put(entry: OutboxRecord): Promise<void> {
    return this.#change((entries) => {
      entries.delete(entry.key);
      entries.set(entry.key, structuredClone(entry));
    });
  }

  delete(key: string): Promise<void> {
    return this.#change((entries) => entries.delete(key));
  }

  list(): Promise<OutboxRecord[]> {
    return this.#serial(async () => sortEntries([...(await this.#load()).values()].map((e) => structuredClone(e))));
  }

  #change(apply: (entries: Map<string, OutboxRecord>) => void): Promise<void> {
    return this.#serial(async () => {
      const entries = await this.#load();
      apply(entries);
      const tmp = `${this.#path}.tmp`;
      await this.#files.writeFile(tmp, JSON.stringify([...entries.values()]));
      await this.#files.rename(tmp, this.#path);
    });
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #load(): Promise<Map<string, OutboxRecord>> {
    if (this.#entries) return this.#entries;
    let text: string;
    try {
      text = await this.#files.readFile(this.#path, 'utf8');
    } catch (cause) {
      if ((cause as { code?: unknown }).code !== 'ENOENT')
        throw new OutboxStoreError(`cannot read ${this.#path}: ${String(cause)}`, { cause });
      text = '[]';
    }
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch (cause) {
      throw new OutboxStoreError(`${this.#path} is not an outbox file (invalid JSON)`, { cause });
    }
    if (!Array.isArray(list)) throw new OutboxStoreError(`${this.#path} is not an outbox file (no array of entries)`);
    this.#entries = new Map((list as OutboxRecord[]).map((entry) => [entry.key, entry]));
    return this.#entries;
  }
}

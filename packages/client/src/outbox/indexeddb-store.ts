/**
 * @module outbox/indexeddb-store
 * The browser's outbox store: one IndexedDB database with one object store keyed by the
 * idempotency key. A write resolves when its transaction has committed.
 */
import { OutboxStoreError } from './errors.js';
import { sortEntries, type OutboxRecord, type OutboxStore } from './store.js';

export const DEFAULT_OUTBOX_DATABASE = 'relais-outbox';
const ENTRIES = 'entries';

function request<T>(req: IDBRequest<T>, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new OutboxStoreError(`IndexedDB ${what} failed: ${String(req.error)}`, { cause: req.error }));
  });
}

function committed(tx: IDBTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const fail = () => reject(new OutboxStoreError(`IndexedDB ${what} failed: ${String(tx.error)}`, { cause: tx.error }));
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

export class IndexedDbOutboxStore implements OutboxStore {
  readonly #name: string;
  readonly #factory: IDBFactory;
  #db: Promise<IDBDatabase> | undefined;

  /** `name` is the database's; tabs of one origin using the same name share the outbox. */
  constructor(name: string = DEFAULT_OUTBOX_DATABASE, factory: IDBFactory | undefined = globalThis.indexedDB) {
    if (!factory) throw new OutboxStoreError("outbox: 'indexeddb' needs IndexedDB (browsers); in Node pass an OutboxStore");
    this.#name = name;
    this.#factory = factory;
  }

  async put(entry: OutboxRecord): Promise<void> {
    const tx = (await this.#open()).transaction(ENTRIES, 'readwrite');
    tx.objectStore(ENTRIES).put(entry);
    await committed(tx, 'put');
  }

  async delete(key: string): Promise<void> {
    const tx = (await this.#open()).transaction(ENTRIES, 'readwrite');
    tx.objectStore(ENTRIES).delete(key);
    await committed(tx, 'delete');
  }

  async list(): Promise<OutboxRecord[]> {
    const tx = (await this.#open()).transaction(ENTRIES, 'readonly');
    return sortEntries(await request(tx.objectStore(ENTRIES).getAll() as IDBRequest<OutboxRecord[]>, 'read'));
  }

  close(): void {
    void this.#db?.then((db) => db.close()).catch(() => {});
    this.#db = undefined;
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise((resolve, reject) => {
      const req = this.#factory.open(this.#name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(ENTRIES, { keyPath: 'key' });
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new OutboxStoreError(`cannot open IndexedDB ${this.#name}: ${String(req.error)}`, { cause: req.error }));
      req.onblocked = () => reject(new OutboxStoreError(`IndexedDB ${this.#name} is blocked by another tab's older version`));
    });
    // A failed open is not kept: the next call tries again.
    this.#db.catch(() => (this.#db = undefined));
    return this.#db;
  }
}

/**
 * @module testing/fake-tabs
 * Stand-ins for what browser tabs share, for tests of `@relais/client/share` in Node: an
 * exclusive lock manager (Web Locks' `request`) whose holders can be made to die, and
 * BroadcastChannels on an in-process bus (each message structured-cloned, delivered to every
 * other open channel of its name in a later microtask, never to its sender).
 */
import type { LockManagerLike } from '../share/election.js';
import type { ChannelLike } from '../share/messages.js';

interface LockRequest {
  callback: (lock: unknown) => Promise<void>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  owner: FakeTabLocks | undefined;
}

/** One tab's view of the lock manager; `crash()` drops its locks as a dying tab's are. */
export class FakeTabLocks implements LockManagerLike {
  readonly #locks: FakeLocks;
  crashed = false;
  readonly #onCrash = new Set<() => void>();

  constructor(locks: FakeLocks) {
    this.#locks = locks;
  }

  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<unknown> {
    if (this.crashed) return new Promise(() => {});
    return this.#locks.requestAs(this, name, options, callback);
  }

  /** The tab dies: its held locks are released and its waiting requests withdrawn. */
  crash(): void {
    this.crashed = true;
    for (const release of [...this.#onCrash]) release();
  }

  /** @internal */
  onCrash(release: () => void): () => void {
    this.#onCrash.add(release);
    return () => this.#onCrash.delete(release);
  }
}

/** Exclusive locks by name, granted in request order. */
export class FakeLocks implements LockManagerLike {
  readonly #queues = new Map<string, LockRequest[]>();
  readonly #held = new Map<string, LockRequest>();

  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<void>): Promise<unknown> {
    return this.requestAs(undefined, name, options, callback);
  }

  /** A view for one tab, whose locks `crash()` releases. */
  forTab(): FakeTabLocks {
    return new FakeTabLocks(this);
  }

  /** @internal */
  requestAs(
    owner: FakeTabLocks | undefined,
    name: string,
    options: { signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const request: LockRequest = { callback, resolve, reject, owner };
      const queue = this.#queues.get(name) ?? [];
      this.#queues.set(name, queue);
      queue.push(request);
      options.signal?.addEventListener('abort', () => {
        const at = queue.indexOf(request);
        if (at < 0) return;
        queue.splice(at, 1);
        reject(new Error('AbortError: the lock request was withdrawn'));
      });
      owner?.onCrash(() => {
        const at = queue.indexOf(request);
        if (at >= 0) queue.splice(at, 1);
      });
      this.#grant(name);
    });
  }

  /** Whether a tab holds `name`. */
  held(name: string): boolean {
    return this.#held.has(name);
  }

  #grant(name: string): void {
    if (this.#held.has(name)) return;
    const request = this.#queues.get(name)?.shift();
    if (!request) return;
    this.#held.set(name, request);
    let stopWatching = () => {};
    const crashed = new Promise<void>((resolve) => {
      stopWatching = request.owner?.onCrash(resolve) ?? stopWatching;
    });
    void Promise.race([Promise.resolve().then(() => request.callback({ name })), crashed])
      .then(request.resolve, request.reject)
      .finally(() => {
        stopWatching();
        this.#held.delete(name);
        this.#grant(name);
      });
  }
}

/** BroadcastChannels of one browser profile. */
export class FakeChannels {
  readonly #open = new Map<string, Set<FakeChannel>>();
  /** Every message posted, by channel name, in order (structured clones). */
  readonly posted: { name: string; message: unknown }[] = [];

  /** Inject as the `channel` option. */
  readonly open = (name: string): ChannelLike => {
    const channel = new FakeChannel(name, this);
    const set = this.#open.get(name) ?? new Set();
    this.#open.set(name, set);
    set.add(channel);
    return channel;
  };

  /** @internal */
  post(from: FakeChannel, message: unknown): void {
    const copy = structuredClone(message);
    this.posted.push({ name: from.name, message: copy });
    for (const to of this.#open.get(from.name) ?? []) {
      if (to !== from) queueMicrotask(() => to.deliver(structuredClone(copy)));
    }
  }

  /** @internal */
  remove(channel: FakeChannel): void {
    this.#open.get(channel.name)?.delete(channel);
  }
}

class FakeChannel implements ChannelLike {
  readonly name: string;
  readonly #bus: FakeChannels;
  #closed = false;
  onmessage: ((event: { data: unknown }) => void) | null = null;

  constructor(name: string, bus: FakeChannels) {
    this.name = name;
    this.#bus = bus;
  }

  postMessage(message: unknown): void {
    if (this.#closed) throw new Error('InvalidStateError: the channel is closed');
    this.#bus.post(this, message);
  }

  close(): void {
    this.#closed = true;
    this.#bus.remove(this);
  }

  deliver(data: unknown): void {
    if (!this.#closed) this.onmessage?.({ data });
  }
}

/**
 * @module cli/bench-workers
 * WorkerGroup: a SubscriberGroup whose subscribers run in a worker thread (bench-worker.ts),
 * so that the load generator uses more than one core. Samples and counts cross back as
 * transferred typed arrays; the run merges every raw sample.
 */
import { Worker } from 'node:worker_threads';
import type { GroupEnd, GroupPlan, GroupTake, SubscriberGroup } from './bench-group.js';

export interface WorkerRequest {
  id: number;
  type: 'open' | 'take' | 'close';
}

export interface WorkerReply {
  id: number;
  result?: number | GroupTake | GroupEnd;
  error?: string;
}

/** A bench worker failed (it threw, or exited before answering). */
export class BenchWorkerError extends Error {
  override readonly name = 'BenchWorkerError';
}

export class WorkerGroup implements SubscriberGroup {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (value: never) => void; reject: (error: Error) => void }>();
  #next = 0;
  #dead: Error | undefined;

  constructor(plan: GroupPlan) {
    this.#worker = new Worker(new URL('./bench-worker.js', import.meta.url), { workerData: plan });
    this.#worker.on('message', ({ id, result, error }: WorkerReply) => {
      const call = this.#pending.get(id);
      this.#pending.delete(id);
      if (error !== undefined) call?.reject(new BenchWorkerError(`bench worker: ${error}`));
      else call?.resolve(result as never);
    });
    this.#worker.on('error', (error) => this.#fail(new BenchWorkerError(`bench worker failed: ${error.message}`, { cause: error })));
    this.#worker.on('exit', (code) => this.#fail(new BenchWorkerError(`bench worker exited (code ${code}) before answering`)));
  }

  #fail(error: Error): void {
    this.#dead ??= error;
    for (const call of this.#pending.values()) call.reject(error);
    this.#pending.clear();
  }

  #call<T>(type: WorkerRequest['type']): Promise<T> {
    const id = this.#next++;
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: never) => void, reject });
      this.#worker.postMessage({ id, type } satisfies WorkerRequest);
    });
  }

  open(): Promise<number> {
    return this.#call('open');
  }

  take(): Promise<GroupTake> {
    return this.#call('take');
  }

  async close(): Promise<GroupEnd> {
    try {
      return await this.#call<GroupEnd>('close');
    } finally {
      await this.#worker.terminate();
    }
  }
}

/**
 * @module cli/bench-worker
 * The entry point of a `relais bench --workers` thread: one LocalGroup of subscribers, driven by
 * the WorkerGroup of the main thread with `open`, `take` and `close` requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LocalGroup, type GroupPlan } from './bench-group.js';
import type { WorkerReply, WorkerRequest } from './bench-workers.js';

const port = parentPort!;
const group = new LocalGroup(workerData as GroupPlan);

port.on('message', (request: WorkerRequest) => {
  void answer(request);
});

async function answer({ id, type }: WorkerRequest): Promise<void> {
  try {
    const result = type === 'open' ? await group.open() : type === 'take' ? await group.take() : await group.close();
    const transfer: ArrayBuffer[] = [];
    if (typeof result === 'object') {
      const take = 'take' in result ? result.take : result;
      transfer.push(take.samples.buffer as ArrayBuffer);
      if ('counts' in result) transfer.push(...result.counts.map((counts) => counts.buffer as ArrayBuffer));
    }
    port.postMessage({ id, result } satisfies WorkerReply, transfer);
  } catch (error) {
    port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
  }
}

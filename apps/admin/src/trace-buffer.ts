/**
 * @module admin/src/trace-buffer
 * The tracing page's frames: the newest `capacity` only, older ones dropped (and counted with
 * those the nodes left out). Nothing outlives the page's view: it is emptied when a trace starts.
 */
import type { TraceEvent, TracedFrame } from '../shared/protocol.js';

/** Frames the page shows at most. */
export const TRACE_BUFFER_FRAMES = 500;

export class TraceBuffer {
  readonly capacity: number;
  frames: TracedFrame[] = [];
  /** Frames not shown: dropped by the nodes, or pushed out by newer ones here. */
  dropped = 0;

  constructor(capacity = TRACE_BUFFER_FRAMES) {
    this.capacity = capacity;
  }

  add(event: TraceEvent): void {
    this.dropped += event.dropped;
    this.frames.push(...event.frames);
    const over = this.frames.length - this.capacity;
    if (over > 0) {
      this.frames.splice(0, over);
      this.dropped += over;
    }
  }

  clear(): void {
    this.frames = [];
    this.dropped = 0;
  }
}

/**
 * @module metrics/process-metrics
 * Metrics of the Node.js process the node runs in: event-loop delay (perf_hooks
 * monitorEventLoopDelay), heap and resident memory, CPU time, garbage collections by kind.
 * Sampling runs between `start()` and `stop()` only, so a node without `/metrics` pays nothing.
 */
import { PerformanceObserver, constants, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Counter, Gauge, Histogram, type Registry } from './prometheus.js';

/** How often the event-loop delay is sampled, in ms (Node's default is 10). */
export const EVENT_LOOP_RESOLUTION_MS = 20;

/** Upper bounds of the GC pause histogram, in seconds. */
export const GC_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] as const;

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

const NS_PER_SECOND = 1e9;

export class ProcessMetrics {
  readonly #loop: IntervalHistogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
  readonly #gc: Histogram;
  #observer: PerformanceObserver | undefined;

  constructor(registry: Registry) {
    const gauge = (name: string, help: string): Gauge => registry.register(new Gauge(name, help));
    const lag = gauge('relais_event_loop_lag_seconds', 'Mean event-loop delay since the previous scrape.');
    const lagP99 = gauge('relais_event_loop_lag_p99_seconds', '99th percentile of the event-loop delay since the previous scrape.');
    const lagMax = gauge('relais_event_loop_lag_max_seconds', 'Largest event-loop delay since the previous scrape.');
    const heapUsed = gauge('relais_process_heap_used_bytes', 'V8 heap in use.');
    const heapTotal = gauge('relais_process_heap_total_bytes', 'V8 heap allocated.');
    const rss = gauge('relais_process_resident_memory_bytes', 'Resident set size of the process.');
    const external = gauge('relais_process_external_memory_bytes', 'Memory of C++ objects bound to JavaScript, Buffers included.');
    const cpu = registry.register(new Counter('relais_process_cpu_seconds_total', 'User and system CPU time of the process.'));
    const startTime = gauge('relais_process_start_time_seconds', 'Start time of the process, in seconds since the Unix epoch.');
    this.#gc = registry.register(
      new Histogram('relais_gc_duration_seconds', 'Garbage collection pauses, by kind.', ['kind'], GC_SECONDS_BUCKETS),
    );
    const loop = this.#loop;
    registry.beforeRender(() => {
      // The delay over the window since the previous scrape: the monitor restarts after each read.
      const sampled = loop.count > 0;
      lag.set(sampled ? loop.mean / NS_PER_SECOND : 0);
      lagP99.set(sampled ? loop.percentile(99) / NS_PER_SECOND : 0);
      lagMax.set(sampled ? loop.max / NS_PER_SECOND : 0);
      loop.reset();
      const usage = process.memoryUsage();
      heapUsed.set(usage.heapUsed);
      heapTotal.set(usage.heapTotal);
      rss.set(usage.rss);
      external.set(usage.external);
      const time = process.cpuUsage();
      cpu.labels().value = (time.user + time.system) / 1e6;
      startTime.set(Math.round(Date.now() / 1000 - process.uptime()));
    });
  }

  /** Starts sampling the event loop and observing collections. Idempotent. */
  start(): void {
    if (this.#observer) return;
    this.#loop.enable();
    this.#observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
        const kind = GC_KINDS[detail?.kind ?? -1] ?? 'other';
        this.#gc.labels(kind).observe(entry.duration / 1000);
      }
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** Stops sampling. Idempotent. */
  stop(): void {
    this.#loop.disable();
    this.#observer?.disconnect();
    this.#observer = undefined;
  }
}

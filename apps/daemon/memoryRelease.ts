/**
 * Gives memory back once a burst of work is over. A daemon that scanned 100 000 files or took a
 * gigabyte from a peer keeps the garbage of it in its heap until V8's memory reducer runs, tens
 * of seconds later: 400 MB resident where 250 are live. When the event loop has gone quiet and
 * the heap has grown well past what the last collection left, this collects at once (a full
 * collection of a few hundred megabytes takes tens of milliseconds, while nothing else waits).
 */
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

/** Options of {@link releaseMemoryWhenQuiet}. */
export interface MemoryReleaseOptions {
  /** How often the heap is looked at, ms. @default 1000 */
  readonly everyMs?: number;
  /** Bytes the heap must have grown by since the last collection. @default 48 MB */
  readonly growth?: number;
  /** Most event-loop utilization (0–1) over the last look for the daemon to count as quiet. @default 0.2 */
  readonly quiet?: number;
  /** Called after each collection it made, with the heap before and after (bytes). */
  readonly onRelease?: (before: number, after: number) => void;
}

/** Collects garbage whenever the daemon is quiet after a burst; answers a function that stops it. */
export function releaseMemoryWhenQuiet(options: MemoryReleaseOptions = {}): () => void {
  const { everyMs = 1000, growth = 48e6, quiet = 0.2 } = options;
  // The process was started without --expose-gc (npm start, the glow command): ask V8 for it.
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const used = () => v8.getHeapStatistics().used_heap_size;
  let baseline = used();
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const before = used();
    if (before < baseline) baseline = before; // V8 collected by itself
    if (busy > quiet || before < baseline + growth) return;
    gc();
    baseline = used();
    options.onRelease?.(before, baseline);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

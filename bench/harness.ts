/**
 * The shared benchmark harness: timing with `process.hrtime.bigint`, a warm-up, several rounds
 * and their median, heap measurement with a forced GC. Every figure is printed beside a raw
 * baseline measured in the same run, and `ratio` is a cost ratio (Glow / raw, lower is better)
 * unless the benchmark says `better: 'higher'` (the mesh call rates: Glow's rate / raw's rate).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One benchmark figure. The JSON output is exactly these five keys. */
export interface BenchResult {
  /** e.g. `local.cast`. */
  name: string;
  /** Glow's figure. */
  value: number;
  /** Unit of `value` and `baseline` (`casts/s`, `µs/call`, `bytes`, …). */
  unit: string;
  /** The raw baseline, measured in the same run. */
  baseline: number;
  /**
   * Glow / raw: a cost ratio (Glow's cost per operation over the baseline's, lower is better),
   * or for benchmarks with `better: 'higher'` a rate ratio (Glow's rate over the baseline's).
   */
  ratio: number;
}

/**
 * A goal beyond the plain "ratio at most N": a bound on the ratio or on the value itself, from
 * above or below. `label` explains it in the table.
 */
export interface Goal {
  of: 'ratio' | 'value';
  atMost?: number;
  atLeast?: number;
  label?: string;
}

/** Thrown by `run` when a benchmark cannot run here (an optional package missing); reported, never fatal. */
export class BenchSkipped extends Error {}

/** A benchmark: one small file under bench/ exports one as default. */
export interface Benchmark {
  name: string;
  /** What the baseline is, for the table. */
  baseline: string;
  /** The ratio Glow aims to stay at or under (or a {@link Goal}), if any. Missing it never fails the run. */
  goal?: number | Goal;
  /** Which way the ratio is good. @default 'lower' (a cost ratio) */
  better?: 'lower' | 'higher';
  /** Printed once under the table (how it was measured: in-process, kills, …). */
  note?: string;
  run(): Promise<BenchResult>;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nanoseconds since an arbitrary origin. */
export function now(): bigint {
  return process.hrtime.bigint();
}

/** Nanoseconds spent in `fn` (awaited). */
export async function elapsed(fn: () => void | Promise<void>): Promise<number> {
  const start = now();
  await fn();
  return Number(now() - start);
}

/** A contender: runs `ops` operations per round and returns nanoseconds spent. */
export type Round = () => Promise<number>;

export interface CompareOptions {
  /** Unmeasured rounds of each contender first (JIT warm-up). */
  warmup?: number;
  /** Measured rounds of each contender. */
  rounds?: number;
  /** Operations per round, to turn a round's time into time per operation. */
  ops: number;
}

/**
 * Runs Glow and the raw baseline in alternating rounds (so that drift and noise from other
 * work on the machine hit both alike) and returns the median nanoseconds per operation of each.
 */
export async function compare(glow: Round, raw: Round, options: CompareOptions): Promise<{ glow: number; raw: number }> {
  const { warmup = 2, rounds = 7, ops } = options;
  for (let i = 0; i < warmup; i++) {
    await raw();
    await glow();
  }
  const glowTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Alternate which goes first, so that neither always runs right after the other's garbage.
    if (i % 2) {
      glowTimes.push(await glow());
      rawTimes.push(await raw());
    } else {
      rawTimes.push(await raw());
      glowTimes.push(await glow());
    }
  }
  return { glow: median(glowTimes) / ops, raw: median(rawTimes) / ops };
}

/**
 * Like {@link compare} for any number of contenders: every round runs each once, the starting
 * contender rotating from round to round, and the median nanoseconds per round of each is
 * returned (in the order given).
 */
export async function alternate(contenders: readonly Round[], options: { warmup?: number; rounds?: number } = {}): Promise<number[]> {
  const { warmup = 1, rounds = 7 } = options;
  for (let i = 0; i < warmup; i++) for (const round of contenders) await round();
  const times = contenders.map(() => [] as number[]);
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const index = (i + k) % contenders.length;
      times[index]!.push(await contenders[index]!());
    }
  }
  return times.map((list) => median(list));
}

/** The `p`-quantile (0…1) of a non-empty list, nearest rank. */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

let gcFunction: (() => void) | undefined;

/** `global.gc`, from `--expose-gc` or, failing that, exposed at run time. */
export function gc(): () => void {
  if (gcFunction) return gcFunction;
  if (typeof globalThis.gc === 'function') {
    gcFunction = globalThis.gc as () => void;
  } else {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as () => void;
  }
  return gcFunction;
}

/** Heap in use after a full collection (several passes, so that weak and finalised objects go too). */
export async function settledHeap(): Promise<number> {
  const collect = gc();
  for (let i = 0; i < 4; i++) {
    collect();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Resolves on the next turn of the event loop (timers and I/O get a chance). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rounds to a few significant digits for display and JSON. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const factor = 10 ** Math.max(0, digits - 1 - magnitude);
  return Math.round(value * factor) / factor;
}

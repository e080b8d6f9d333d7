/**
 * Waiting longer after each failure in a row: supervisors before restarts, the job scheduler
 * before retries, the daemon before dialling a lost peer again. One formula for all three.
 */

/** How the wait grows. */
export interface BackoffSpec {
  /** The first wait, ms. */
  initial: number;
  /** The longest wait, ms. */
  max: number;
  /** Growth per failure. @default 2 */
  factor?: number;
}

/** The wait before attempt `n` (1 for the first retry): `initial × factor^(n−1)`, at most `max`. */
export function backoffDelay(spec: BackoffSpec, n: number): number {
  return Math.min(spec.max, spec.initial * (spec.factor ?? 2) ** Math.max(0, n - 1));
}

/**
 * "Equal jitter": a wait drawn from the upper half of `delay`, so that many nodes retrying
 * after one event spread out, yet a retry is never immediate.
 */
export function withJitter(delay: number, random: () => number = Math.random): number {
  return delay / 2 + random() * (delay / 2);
}

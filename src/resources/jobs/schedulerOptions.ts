import type { Node } from '../../actors/node.js';
import type { Clock } from '../../firefly/clock.js';
import type { BackoffSpec } from '../../supervision/backoff.js';
import type { ErrorInfo } from './interfaces.js';

/** What the scheduler logs (failures always; the rest for tests and the daemon's log). */
export interface JobsLogEvent {
  event:
    | 'job.submitted' | 'job.started' | 'job.done' | 'job.failed' | 'job.cancelled'
    | 'step.started' | 'step.done' | 'step.failed' | 'attempt.failed' | 'attempt.lost' | 'result.ignored'
    | 'placement.failed' | 'journal.badrow';
  jobId: string;
  step?: string;
  key?: string;
  node?: string;
  reason?: string;
  error?: ErrorInfo;
}

/** Options of the scheduler (the `jobs` kind), given to `createJobKinds`. */
export interface SchedulerOptions {
  /**
   * Wall clock (ms since the epoch) and its timers: schedules, idle windows, deadlines, the
   * tick, retry delays and the resume grace. Tests give a `ManualClock` and advance it.
   * @default systemWallClock (Date.now and the platform's timers)
   */
  clock?: Clock;
  /**
   * Milliseconds between re-evaluations of schedules, deadlines and waiting steps (events —
   * a result, a lost node, a submit, a retry's delay ending — are handled at once, not at the
   * next tick).
   * @default 1000
   */
  tickInterval?: number;
  /**
   * After a restart, how long an attempt that was running may stay out of reach (its worker's
   * links coming back) before it counts as lost, in ms.
   * @default 10000
   */
  resumeGrace?: number;
  /**
   * Delay before retry n (from 1): `initial × factor^(n−1)`, at most `max` ms.
   * @default { initial: 200, max: 10000, factor: 2 }
   */
  backoff?: BackoffSpec;
  /**
   * Milliseconds a worker has to answer `status` and `run` before it is left out.
   * @default 2000
   */
  workerTimeout?: number;
  /**
   * Whether a node is another device of this node's user: its submissions count as the owner's
   * (they may hold `exec` steps) and its workers take steps. Calls made on the scheduler's own
   * node (the daemon's control channel) are always the owner's, and its own worker always takes
   * steps; other users' workers never do.
   * @default the node's Trust: its user's own devices. A node with no user has no other users:
   * every worker takes steps, and only calls on this node are the owner's.
   */
  sameUser?: (node: string) => boolean;
  /**
   * Largest step output, as JSON text; a bigger output fails the attempt (big data belongs in files).
   * @default 262144
   */
  maxOutputBytes?: number;
  /**
   * Where events go.
   * @default failures (`job.failed`, `step.failed`, `placement.failed`, `journal.badrow`) to console.error
   */
  log?: (event: JobsLogEvent) => void;
}

/** {@link SchedulerOptions} with every default applied (the clock and the log aside). */
export type SchedulerSettings = Required<Omit<SchedulerOptions, 'clock' | 'log' | 'sameUser'>> & { sameUser: ((node: string) => boolean) | undefined };

/** The options with their defaults. */
export function schedulerSettings(options: SchedulerOptions, node: Node): SchedulerSettings {
  return {
    tickInterval: options.tickInterval ?? 1000,
    resumeGrace: options.resumeGrace ?? 10_000,
    backoff: options.backoff ?? { initial: 200, max: 10_000, factor: 2 },
    workerTimeout: options.workerTimeout ?? 2000,
    sameUser: options.sameUser ?? (node.trust ? (peer) => node.trust?.relation(peer) === 'own' : undefined),
    maxOutputBytes: options.maxOutputBytes ?? 256 * 1024,
  };
}

const REPORTED = new Set<JobsLogEvent['event']>(['job.failed', 'step.failed', 'placement.failed', 'journal.badrow']);

/** The default log: failures to console.error. */
export function defaultJobsLog(event: JobsLogEvent): void {
  if (REPORTED.has(event.event)) {
    console.error(`[jobs] ${event.event} ${event.jobId}${event.step ? ` ${event.step}` : ''}: ${event.error?.message ?? event.reason ?? ''}`);
  }
}

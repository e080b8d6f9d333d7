import type { Node } from '../../actors/node.js';
import { systemWallClock, type Clock, type Timer } from '../../firefly/clock.js';
import { GlowError } from '../../firefly/errors.js';
import type { Journal } from './journal.js';
import type { AttemptRecord, JobRecord, StepRecord } from './records.js';
import { defaultJobsLog, schedulerSettings, type JobsLogEvent, type SchedulerOptions, type SchedulerSettings } from './schedulerOptions.js';

/** An attempt with the step and job it belongs to. */
export interface AttemptEntry {
  job: JobRecord;
  step: StepRecord;
  attempt: AttemptRecord;
}

/**
 * What the parts of the scheduler share — the jobs in memory, the journal, the clock — and the
 * effects they ask for: telling watchers, moving jobs along soon or at a given time.
 */
export interface Engine {
  /** The scheduler's node: probes, `run` calls, monitors, `terminate`. */
  readonly node: Node;
  /** Every move of a record is written here before it is answered. */
  readonly journal: Journal;
  /** The mesh-wide name steps report to. */
  readonly name: string;
  /** Wall clock and timers: schedules, deadlines, the tick, retry delays, resume re-checks. */
  readonly clock: Clock;
  readonly settings: SchedulerSettings;
  readonly log: (event: JobsLogEvent) => void;
  /** Every job, in submission order. */
  readonly jobs: Map<string, JobRecord>;
  /** The attempts of the jobs' current runs, by idempotency key. */
  readonly attempts: Map<string, AttemptEntry>;
  /** Steps placed per node so far: placement's tie-break. */
  readonly placed: Map<string, number>;
  /** True once closed: the journal is closed, and nothing may move any more. */
  readonly closed: boolean;
  /** The job `id`, or a `badarg` GlowError. */
  job(id: string): JobRecord;
  /** Marks a change of `job`: its watchers wake. */
  changed(job: JobRecord): void;
  /** Resolves at the next change of the job `id` (or when the engine closes). */
  nextChange(id: string): Promise<void>;
  /** Moves every job as far as it can go, soon: once per microtask however often asked. */
  pumpSoon(): void;
  /** Moves every job along at `time` on the clock (the end of a retry's delay). */
  pumpAt(time: number): void;
  /** Starts the tick: every `tickInterval`, schedules, deadlines and waiting steps are looked at again. */
  startTicking(): void;
  /** Stops the timers, wakes every watcher, closes the journal. */
  close(): void;
}

/**
 * Builds the engine of one scheduler. `pump` is the tick (tick.ts), given here so that the
 * engine's timers can call it without this module importing the parts that use the engine.
 */
export function createEngine(node: Node, journal: Journal, name: string, options: SchedulerOptions, pump: (engine: Engine) => void): Engine {
  const clock = options.clock ?? systemWallClock;
  const watchers = new Map<string, Set<() => void>>();
  const timers = new Set<Timer>();
  let ticking: Timer | undefined;
  let pumpQueued = false;
  let closed = false;

  const engine: Engine = {
    node,
    journal,
    name,
    clock,
    settings: schedulerSettings(options, node),
    log: options.log ?? defaultJobsLog,
    jobs: new Map(),
    attempts: new Map(),
    placed: new Map(),
    get closed() {
      return closed;
    },
    job(id) {
      const job = engine.jobs.get(id);
      if (!job) throw new GlowError('badarg', `no job ${JSON.stringify(id.slice(0, 64))}`, { reason: 'unknown-job', id: id.slice(0, 64) });
      return job;
    },
    changed(job) {
      job.version++;
      const waiters = watchers.get(job.id);
      if (waiters) for (const wake of [...waiters]) wake();
    },
    nextChange(id) {
      return new Promise<void>((resolve) => {
        if (closed) return resolve();
        const waiters = watchers.get(id) ?? new Set();
        watchers.set(id, waiters);
        const wake = () => {
          waiters.delete(wake);
          if (waiters.size === 0) watchers.delete(id);
          resolve();
        };
        waiters.add(wake);
      });
    },
    pumpSoon() {
      if (pumpQueued || closed) return;
      pumpQueued = true;
      queueMicrotask(() => {
        pumpQueued = false;
        if (!closed) pump(engine);
      });
    },
    pumpAt(time) {
      if (closed) return;
      const timer = clock.setTimeout(() => {
        timers.delete(timer);
        engine.pumpSoon();
      }, Math.max(0, time - clock.now()));
      timers.add(timer);
    },
    startTicking() {
      ticking ??= clock.setInterval(() => {
        if (!closed) pump(engine);
      }, engine.settings.tickInterval);
    },
    close() {
      if (closed) return;
      closed = true;
      clock.clearTimeout(ticking);
      for (const timer of timers) clock.clearTimeout(timer);
      timers.clear();
      for (const { attempt } of engine.attempts.values()) attempt.unmonitor?.();
      for (const waiters of watchers.values()) for (const wake of [...waiters]) wake();
      journal.close();
    },
  };
  return engine;
}
